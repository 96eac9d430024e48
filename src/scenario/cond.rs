//! Conditions on covariates, compiled once at load time.
//!
//! Grammar (keywords are lower case):
//!
//! ```text
//! expr    = and ( "or" and )*
//! and     = unary ( "and" unary )*
//! unary   = "not" unary | "(" expr ")" | test
//! test    = NAME [ op literal | "in" "[" literal ( "," literal )* "]" ]
//! op      = "==" | "!=" | "<" | "<=" | ">" | ">="
//! literal = NUMBER | "true" | "false" | "'" level "'"
//! ```
//!
//! A bare `NAME` is a boolean covariate being true. A categorical covariate
//! compares by level (`grade == 'severe'`, `region in ['cervical']`), or by
//! number when every level is a number (`asa >= 3`). Every test compiles to
//! a slot index and a constant: a set of level indices (a bit mask) or a
//! threshold, so evaluation never looks up a name.

use std::fmt;

use crate::error::{did_you_mean, names_or_none};

/// How a covariate is stored in its slot, as the compiler needs to know it.
#[derive(Debug, Clone, PartialEq)]
pub enum SlotKind {
    /// 0.0 or 1.0.
    Boolean,
    /// The level index, as f64.
    Categorical(Vec<String>),
    /// The value.
    Continuous,
}

/// A named covariate slot.
#[derive(Debug, Clone, PartialEq)]
pub struct Slot {
    pub name: String,
    pub kind: SlotKind,
}

/// A compiled condition, evaluated on a patient's covariate slots.
#[derive(Debug, Clone, PartialEq)]
pub enum Cond {
    Const(bool),
    /// Boolean slot is true.
    True(usize),
    /// Categorical slot's level index is in the mask.
    Levels {
        slot: usize,
        mask: u64,
    },
    /// Continuous slot compared with a constant.
    Compare {
        slot: usize,
        op: Op,
        value: f64,
    },
    Not(Box<Cond>),
    And(Box<Cond>, Box<Cond>),
    Or(Box<Cond>, Box<Cond>),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Op {
    Eq,
    Ne,
    Lt,
    Le,
    Gt,
    Ge,
}

impl Op {
    fn apply(self, a: f64, b: f64) -> bool {
        match self {
            Op::Eq => a == b,
            Op::Ne => a != b,
            Op::Lt => a < b,
            Op::Le => a <= b,
            Op::Gt => a > b,
            Op::Ge => a >= b,
        }
    }
}

impl fmt::Display for Op {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Op::Eq => "==",
            Op::Ne => "!=",
            Op::Lt => "<",
            Op::Le => "<=",
            Op::Gt => ">",
            Op::Ge => ">=",
        })
    }
}

impl Cond {
    /// Evaluates the condition on covariate slots.
    /// (A single test, the common case, is inlined where it is asked;
    /// `not`, `and` and `or` recurse out of line.)
    #[inline]
    pub fn eval(&self, x: &[f64]) -> bool {
        match self {
            Cond::Const(b) => *b,
            Cond::True(slot) => x[*slot] != 0.0,
            Cond::Levels { slot, mask } => (mask >> (x[*slot] as u32)) & 1 == 1,
            Cond::Compare { slot, op, value } => op.apply(x[*slot], *value),
            Cond::Not(_) | Cond::And(..) | Cond::Or(..) => self.eval_compound(x),
        }
    }

    #[inline(never)]
    fn eval_compound(&self, x: &[f64]) -> bool {
        match self {
            Cond::Not(c) => !c.eval(x),
            Cond::And(a, b) => a.eval(x) && b.eval(x),
            Cond::Or(a, b) => a.eval(x) || b.eval(x),
            single => single.eval(x),
        }
    }

    /// Whether the condition reads the covariate at `slot`.
    pub fn reads(&self, slot: usize) -> bool {
        match self {
            Cond::Const(_) => false,
            Cond::True(s)
            | Cond::Levels { slot: s, mask: _ }
            | Cond::Compare {
                slot: s,
                op: _,
                value: _,
            } => *s == slot,
            Cond::Not(c) => c.reads(slot),
            Cond::And(a, b) | Cond::Or(a, b) => a.reads(slot) || b.reads(slot),
        }
    }

    /// Compiles `text` against the covariate slots.
    ///
    /// # Errors
    /// A message naming the unknown covariate or level (with the closest
    /// valid name), or where the text stops making sense.
    pub fn compile(text: &str, slots: &[Slot]) -> Result<Cond, String> {
        let tokens = tokenize(text)?;
        if tokens.len() > MAX_TOKENS {
            return Err(format!(
                "the condition has {} words and symbols; a condition has at most {MAX_TOKENS} (split it, or use `in [...]` for many levels)",
                tokens.len()
            ));
        }
        let mut p = Parser {
            tokens,
            pos: 0,
            slots,
            depth: 0,
        };
        let cond = p.expr()?;
        match p.peek() {
            None => Ok(cond),
            Some(t) => Err(format!("unexpected {t} after a complete condition")),
        }
    }
}

#[derive(Debug, Clone, PartialEq)]
enum Token {
    Name(String),
    Number(f64),
    Text(String),
    Op(Op),
    Open,
    Close,
    OpenList,
    CloseList,
    Comma,
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Token::Name(n) => write!(f, "`{n}`"),
            Token::Number(v) => write!(f, "number {v}"),
            Token::Text(s) => write!(f, "'{s}'"),
            Token::Op(op) => write!(f, "`{op}`"),
            Token::Open => f.write_str("`(`"),
            Token::Close => f.write_str("`)`"),
            Token::OpenList => f.write_str("`[`"),
            Token::CloseList => f.write_str("`]`"),
            Token::Comma => f.write_str("`,`"),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' | ')' | '[' | ']' | ',' => {
                tokens.push(match c {
                    '(' => Token::Open,
                    ')' => Token::Close,
                    '[' => Token::OpenList,
                    ']' => Token::CloseList,
                    _ => Token::Comma,
                });
                i += 1;
            }
            '=' | '!' | '<' | '>' => {
                let (op, len) = match (c, next) {
                    ('=', Some('=')) => (Op::Eq, 2),
                    ('!', Some('=')) => (Op::Ne, 2),
                    ('<', Some('=')) => (Op::Le, 2),
                    ('>', Some('=')) => (Op::Ge, 2),
                    ('<', _) => (Op::Lt, 1),
                    ('>', _) => (Op::Gt, 1),
                    _ => {
                        return Err(format!(
                            "`{c}` at character {} is not an operator; use ==, !=, <, <=, > or >=",
                            i + 1
                        ));
                    }
                };
                tokens.push(Token::Op(op));
                i += len;
            }
            '\'' | '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&d| d == c)
                    .ok_or_else(|| format!("the quote at character {} is never closed", i + 1))?;
                tokens.push(Token::Text(chars[i + 1..i + 1 + end].iter().collect()));
                i += end + 2;
            }
            c if c.is_ascii_digit() || c == '-' || c == '.' => {
                let start = i;
                i += 1;
                while i < chars.len() && (chars[i].is_ascii_alphanumeric() || chars[i] == '.' || chars[i] == '_') {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                let value: f64 = word
                    .replace('_', "")
                    .parse()
                    .map_err(|_| format!("`{word}` is not a number"))?;
                if !value.is_finite() {
                    return Err(format!("`{word}` is not a finite number"));
                }
                tokens.push(Token::Number(value));
            }
            c if c.is_alphabetic() || c == '_' => {
                let start = i;
                while i < chars.len() && (chars[i].is_alphanumeric() || chars[i] == '_' || chars[i] == '-') {
                    i += 1;
                }
                tokens.push(Token::Name(chars[start..i].iter().collect()));
            }
            other => return Err(format!("unexpected character `{other}` at character {}", i + 1)),
        }
    }
    Ok(tokens)
}

/// The most words and symbols in one condition: conditions are compiled
/// to trees evaluated by recursion, so their size is bounded.
pub const MAX_TOKENS: usize = 1_000;

/// The deepest nesting of `not` and parentheses in one condition.
pub const MAX_DEPTH: usize = 32;

struct Parser<'a> {
    tokens: Vec<Token>,
    pos: usize,
    slots: &'a [Slot],
    /// `not`s and open parentheses around the current position.
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.pos)
    }

    fn next(&mut self) -> Option<Token> {
        let t = self.tokens.get(self.pos).cloned();
        self.pos += 1;
        t
    }

    fn keyword(&self, word: &str) -> bool {
        matches!(self.peek(), Some(Token::Name(n)) if n == word)
    }

    fn expr(&mut self) -> Result<Cond, String> {
        let mut left = self.and()?;
        while self.keyword("or") {
            self.pos += 1;
            left = Cond::Or(Box::new(left), Box::new(self.and()?));
        }
        Ok(left)
    }

    fn and(&mut self) -> Result<Cond, String> {
        let mut left = self.unary()?;
        while self.keyword("and") {
            self.pos += 1;
            left = Cond::And(Box::new(left), Box::new(self.unary()?));
        }
        Ok(left)
    }

    /// One level deeper (a `not` or a parenthesis), within [`MAX_DEPTH`].
    fn deeper(&mut self) -> Result<(), String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!(
                "`not` and parentheses nest more than {MAX_DEPTH} deep; simplify the condition"
            ));
        }
        Ok(())
    }

    fn unary(&mut self) -> Result<Cond, String> {
        match self.next() {
            Some(Token::Name(n)) if n == "not" => {
                self.deeper()?;
                let inner = self.unary()?;
                self.depth -= 1;
                Ok(Cond::Not(Box::new(inner)))
            }
            Some(Token::Name(n)) if n == "true" || n == "false" => Ok(Cond::Const(n == "true")),
            Some(Token::Open) => {
                self.deeper()?;
                let inner = self.expr()?;
                self.depth -= 1;
                match self.next() {
                    Some(Token::Close) => Ok(inner),
                    other => Err(format!("expected `)`, found {}", describe(other.as_ref()))),
                }
            }
            Some(Token::Name(name)) => self.test(&name),
            other => Err(format!(
                "expected a covariate name, `not` or `(`, found {}",
                describe(other.as_ref())
            )),
        }
    }

    fn test(&mut self, name: &str) -> Result<Cond, String> {
        let Some(slot) = self.slots.iter().position(|s| s.name == name) else {
            return Err(format!(
                "unknown covariate `{name}`{}; the cohort declares {}",
                did_you_mean(name, self.slots.iter().map(|s| s.name.as_str())),
                names_or_none(self.slots.iter().map(|s| s.name.as_str()))
            ));
        };
        let kind = &self.slots[slot].kind;
        let op = match self.peek() {
            Some(Token::Op(op)) => Some(*op),
            Some(Token::Name(n)) if n == "in" => None,
            _ => {
                return match kind {
                    SlotKind::Boolean => Ok(Cond::True(slot)),
                    _ => Err(format!(
                        "`{name}` is not a boolean covariate; compare it, e.g. `{name} == ...`"
                    )),
                };
            }
        };
        self.pos += 1;
        match op {
            Some(op) => {
                let literal = self.next();
                compile_comparison(name, slot, kind, op, literal)
            }
            None => {
                let values = self.list(name)?;
                let mut cond: Option<Cond> = None;
                for literal in values {
                    let test = compile_comparison(name, slot, kind, Op::Eq, Some(literal))?;
                    cond = Some(match cond {
                        None => test,
                        Some(Cond::Levels { slot, mask }) => match test {
                            Cond::Levels { mask: m, .. } => Cond::Levels { slot, mask: mask | m },
                            other => Cond::Or(Box::new(Cond::Levels { slot, mask }), Box::new(other)),
                        },
                        Some(c) => Cond::Or(Box::new(c), Box::new(test)),
                    });
                }
                cond.ok_or_else(|| format!("`{name} in []` lists no values"))
            }
        }
    }

    fn list(&mut self, name: &str) -> Result<Vec<Token>, String> {
        match self.next() {
            Some(Token::OpenList) => {}
            other => {
                return Err(format!(
                    "expected `[` after `{name} in`, found {}",
                    describe(other.as_ref())
                ));
            }
        }
        let mut values = Vec::new();
        loop {
            match self.next() {
                Some(Token::CloseList) if values.is_empty() => return Ok(values),
                Some(t @ (Token::Number(_) | Token::Text(_) | Token::Name(_))) => values.push(t),
                other => {
                    return Err(format!(
                        "expected a value in the list, found {}",
                        describe(other.as_ref())
                    ));
                }
            }
            match self.next() {
                Some(Token::Comma) => {}
                Some(Token::CloseList) => return Ok(values),
                other => {
                    return Err(format!(
                        "expected `,` or `]` in the list, found {}",
                        describe(other.as_ref())
                    ));
                }
            }
        }
    }
}

fn describe(t: Option<&Token>) -> String {
    t.map_or_else(|| "the end of the condition".to_string(), Token::to_string)
}

fn compile_comparison(
    name: &str,
    slot: usize,
    kind: &SlotKind,
    op: Op,
    literal: Option<Token>,
) -> Result<Cond, String> {
    match (kind, literal) {
        (SlotKind::Boolean, Some(Token::Name(b))) if b == "true" || b == "false" => {
            let is_true = Cond::True(slot);
            match (op, b == "true") {
                (Op::Eq, true) | (Op::Ne, false) => Ok(is_true),
                (Op::Eq, false) | (Op::Ne, true) => Ok(Cond::Not(Box::new(is_true))),
                _ => Err(format!(
                    "`{name}` is boolean: compare it with == or != and true or false"
                )),
            }
        }
        (SlotKind::Boolean, other) => Err(format!(
            "`{name}` is boolean: compare it with true or false, not {}",
            describe(other.as_ref())
        )),
        (SlotKind::Continuous, Some(Token::Number(v))) => Ok(Cond::Compare { slot, op, value: v }),
        (SlotKind::Continuous, other) => Err(format!(
            "`{name}` is continuous: compare it with a number, not {}",
            describe(other.as_ref())
        )),
        (SlotKind::Categorical(levels), Some(Token::Text(level) | Token::Name(level))) => {
            let Some(index) = levels.iter().position(|l| *l == level) else {
                return Err(format!(
                    "`{name}` has no level '{level}'{}; its levels are {}",
                    did_you_mean(&level, levels.iter().map(String::as_str)),
                    quoted(levels)
                ));
            };
            match op {
                Op::Eq => Ok(Cond::Levels { slot, mask: 1 << index }),
                Op::Ne => Ok(Cond::Levels {
                    slot,
                    mask: all_levels(levels.len()) & !(1 << index),
                }),
                _ => numeric_levels(name, slot, levels, op, &level),
            }
        }
        (SlotKind::Categorical(levels), Some(Token::Number(v))) => {
            numeric_levels(name, slot, levels, op, &v.to_string())
        }
        (SlotKind::Categorical(levels), other) => Err(format!(
            "`{name}` is categorical: compare it with one of its levels {}, not {}",
            quoted(levels),
            describe(other.as_ref())
        )),
    }
}

/// Compiles a numeric comparison on a categorical covariate whose levels are
/// all numbers into the set of levels that satisfy it.
fn numeric_levels(name: &str, slot: usize, levels: &[String], op: Op, literal: &str) -> Result<Cond, String> {
    let numbers: Option<Vec<f64>> = levels.iter().map(|l| l.trim().parse::<f64>().ok()).collect();
    let (Some(numbers), Ok(value)) = (numbers, literal.parse::<f64>()) else {
        return Err(format!(
            "`{name} {op} {literal}` compares by number, but `{name}` has levels {} that are not all numbers; use == or != with a level",
            quoted(levels)
        ));
    };
    let mask = numbers
        .iter()
        .enumerate()
        .filter(|&(_, &n)| op.apply(n, value))
        .fold(0u64, |m, (i, _)| m | (1 << i));
    Ok(Cond::Levels { slot, mask })
}

fn all_levels(n: usize) -> u64 {
    if n >= 64 { u64::MAX } else { (1u64 << n) - 1 }
}

fn quoted(levels: &[String]) -> String {
    levels.iter().map(|l| format!("'{l}'")).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn slots() -> Vec<Slot> {
        let cat = |levels: &[&str]| SlotKind::Categorical(levels.iter().map(|s| s.to_string()).collect());
        vec![
            Slot {
                name: "age".into(),
                kind: SlotKind::Continuous,
            },
            Slot {
                name: "grade".into(),
                kind: cat(&["moderate", "severe"]),
            },
            Slot {
                name: "motor_deficit".into(),
                kind: SlotKind::Boolean,
            },
            Slot {
                name: "asa".into(),
                kind: cat(&["1", "2", "3", "4"]),
            },
        ]
    }

    fn eval(text: &str, x: &[f64]) -> bool {
        Cond::compile(text, &slots()).unwrap().eval(x)
    }

    #[test]
    fn evaluates_the_grammar() {
        // age, grade (1 = severe), motor_deficit, asa (index 2 = "3")
        let x = [70.0, 1.0, 0.0, 2.0];
        assert!(eval("grade == 'severe'", &x));
        assert!(!eval("grade == 'severe' and motor_deficit", &x));
        assert!(eval("motor_deficit or grade == 'severe'", &x));
        assert!(eval("not motor_deficit", &x));
        assert!(eval("age >= 65 and (asa >= 3 or motor_deficit)", &x));
        assert!(!eval("asa > 3", &x));
        assert!(eval("asa in ['3', '4']", &x));
        assert!(eval("grade != 'moderate'", &x));
        assert!(eval("motor_deficit == false", &x));
        assert!(eval("true", &x));
        // and binds tighter than or
        assert!(eval("motor_deficit and age > 100 or grade == 'severe'", &x));
    }

    #[test]
    fn deep_or_long_conditions_are_refused_not_overflowed() {
        let slots = slots();
        let refused = |text: String, says: &str| {
            let e = Cond::compile(&text, &slots).unwrap_err();
            assert!(e.contains(says), "{e}");
        };
        // What overflowed the stack before: tens of thousands deep.
        refused(
            format!("{}motor_deficit{}", "(".repeat(50_000), ")".repeat(50_000)),
            "at most 1000",
        );
        refused(format!("{}motor_deficit", "not ".repeat(100_000)), "at most 1000");
        refused(vec!["motor_deficit"; 600].join(" and "), "at most 1000");
        // Short but deep.
        refused(
            format!("{}motor_deficit{}", "(".repeat(33), ")".repeat(33)),
            "nest more than 32 deep",
        );
        refused(format!("{}motor_deficit", "not ".repeat(40)), "nest more than 32 deep");
        // Within the bounds everything still compiles.
        let ok = format!("{}motor_deficit{}", "(".repeat(32), ")".repeat(32));
        assert!(Cond::compile(&ok, &slots).is_ok());
        assert!(Cond::compile(&vec!["motor_deficit"; 300].join(" and "), &slots).is_ok());
    }

    #[test]
    fn errors_name_the_problem() {
        let err = |text: &str| Cond::compile(text, &slots()).unwrap_err();
        assert_eq!(
            err("grade == 'sever'"),
            "`grade` has no level 'sever' (did you mean `severe`?); its levels are 'moderate', 'severe'"
        );
        assert!(err("motor_defecit").starts_with("unknown covariate `motor_defecit` (did you mean `motor_deficit`?)"));
        assert_eq!(
            err("grade > 'moderate'").split(';').next().unwrap(),
            "`grade > moderate` compares by number, but `grade` has levels 'moderate', 'severe' that are not all numbers"
        );
        assert_eq!(err("(age > 3"), "expected `)`, found the end of the condition");
        assert_eq!(
            err("age"),
            "`age` is not a boolean covariate; compare it, e.g. `age == ...`"
        );
        assert_eq!(err("age > 3 age"), "unexpected `age` after a complete condition");
    }
}
