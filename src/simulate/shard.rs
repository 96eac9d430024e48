//! Shards: contiguous ranges of chunks that partition a cohort exactly.

/// Shard `index` of `count`: a contiguous range of chunks, so that the
/// shards of a cohort partition its patients exactly. `index` counts from
/// 0 inside the program; users write and read shards counted from 1
/// (`K/N` with `K = index + 1`, as nextest's `--partition count:K/N`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

/// `K/N`, counted from 1.
impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.number(), self.count)
    }
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl Shard {
    /// Parses `K/N` with 1 <= K <= N <= 1,000,000 (shard K of N, counted
    /// from 1).
    ///
    /// # Errors
    /// A message saying what is allowed.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad =
            || "write K/N with 1 <= K <= N, e.g. 1/4 for the first of four shards and 4/4 for the last".to_string();
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (number, count): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if number == 0 && count > 0 {
            return Err(format!(
                "shards are counted from 1, as nextest counts its partitions: 1/{count} is the first of {count} and {count}/{count} the last"
            ));
        }
        if count == 0 || number > count || count > 1_000_000 {
            return Err(bad());
        }
        Ok(Shard {
            index: number - 1,
            count,
        })
    }

    /// The shard's number as users write it, counted from 1.
    pub fn number(self) -> u64 {
        self.index + 1
    }

    /// The chunks of this shard among `chunks`.
    pub fn chunks(self, chunks: u64) -> std::ops::Range<u64> {
        let at = |k: u64| (u128::from(chunks) * u128::from(k) / u128::from(self.count)) as u64;
        at(self.index)..at(self.index + 1)
    }

    /// The patients of this shard in a cohort of `patients` cut into chunks
    /// of `chunk`.
    pub fn patients(self, patients: u64, chunk: u64) -> std::ops::Range<u64> {
        let chunks = self.chunks(patients.div_ceil(chunk));
        (chunks.start * chunk).min(patients)..(chunks.end * chunk).min(patients)
    }
}
