//! How a chart is drawn, apart from what it shows: size, resolution,
//! title, theme and font size ([`Style`]), and the file formats
//! ([`Format`]). The default style gives the pictures `foramen run` has
//! always drawn, pixel for pixel.
//!
//! Every measure in the chart files is written in pixels of the default
//! style (100 dots per inch, the `paper` theme) and goes through one of
//! three scales here: [`Style::px`] for layout that follows the canvas,
//! [`Style::text`] for fonts and the room made for text, [`Style::line`]
//! for strokes, dots and dashes. `--dpi` multiplies all three (the same
//! picture with more pixels); `--font-size` and the theme change the
//! second and third.

use std::fmt;

use crate::error::{Error, Setting};

/// The resolution the chart files' pixel measures are written at.
pub const BASE_DPI: f64 = 100.0;
/// The size of axis labels in the default style, in points (20 pixels at
/// 100 dots per inch); `--font-size` sets this size, and every other text
/// keeps its proportion to it.
pub const BASE_FONT_PT: f64 = 20.0 * 72.0 / BASE_DPI;

/// The unit a time axis is labelled in (`--time-unit`); without one, the
/// horizon chooses (days to 8 weeks, weeks to 6 months, months to 2
/// years, years beyond).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeUnit {
    Days,
    Weeks,
    /// A twelfth of 365.25 days.
    Months,
    /// 365.25 days.
    Years,
}

impl TimeUnit {
    /// The unit called `name` (`days`, `weeks`, `months`, `years`).
    ///
    /// # Errors
    /// A message naming the value and the units there are.
    pub fn parse(name: &str) -> Result<TimeUnit, String> {
        match name {
            "days" => Ok(TimeUnit::Days),
            "weeks" => Ok(TimeUnit::Weeks),
            "months" => Ok(TimeUnit::Months),
            "years" => Ok(TimeUnit::Years),
            _ => Err(format!("`{name}` is not a time unit: use days, weeks, months or years")),
        }
    }

    /// Its length in days.
    pub fn days(self) -> f64 {
        match self {
            TimeUnit::Days => 1.0,
            TimeUnit::Weeks => 7.0,
            TimeUnit::Months => 365.25 / 12.0,
            TimeUnit::Years => 365.25,
        }
    }

    /// Its name, as axis titles say it.
    pub fn name(self) -> &'static str {
        match self {
            TimeUnit::Days => "days",
            TimeUnit::Weeks => "weeks",
            TimeUnit::Months => "months",
            TimeUnit::Years => "years",
        }
    }
}

/// The look of a chart.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Theme {
    /// For papers and reports: 12 x 8 inches at 100 dpi, text and lines
    /// as `foramen run` draws them.
    #[default]
    Paper,
    /// For slides: 16:9 (12.8 x 7.2 inches), text 1.4 and lines 1.6 times
    /// as large, to be read from the back of a room.
    Slides,
}

impl Theme {
    /// The themes by name, as `--theme` takes them.
    pub const NAMES: [&'static str; 2] = ["paper", "slides"];

    /// The theme called `name`.
    ///
    /// # Errors
    /// A message naming the value and the themes there are.
    pub fn parse(name: &str) -> Result<Theme, String> {
        match name {
            "paper" => Ok(Theme::Paper),
            "slides" => Ok(Theme::Slides),
            _ => Err(format!("`{name}` is not a theme: use paper or slides")),
        }
    }

    /// The canvas of an ordinary chart, in pixels at 100 dpi.
    fn size(self) -> (u32, u32) {
        match self {
            Theme::Paper => (1200, 800),
            Theme::Slides => (1280, 720),
        }
    }

    fn text_scale(self) -> f64 {
        match self {
            Theme::Paper => 1.0,
            Theme::Slides => 1.4,
        }
    }

    fn line_scale(self) -> f64 {
        match self {
            Theme::Paper => 1.0,
            Theme::Slides => 1.6,
        }
    }
}

impl fmt::Display for Theme {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Theme::Paper => "paper",
            Theme::Slides => "slides",
        })
    }
}

/// A width or height: inches (`7in`), centimetres (`18cm`) or pixels
/// (`2100px`, or a bare number).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Length {
    Inches(f64),
    Pixels(u32),
}

/// The largest picture side accepted, in pixels.
pub const MAX_PIXELS: u32 = 20_000;

impl Length {
    /// `7in`, `18cm`, `2100px` or `2100`.
    ///
    /// # Errors
    /// A message naming the value and the forms allowed.
    pub fn parse(text: &str) -> Result<Length, String> {
        let t = text.trim();
        let bad =
            || format!("`{text}` is not a length: give inches (7in), centimetres (18cm) or pixels (2100px or 2100)");
        let number = |s: &str| s.trim().parse::<f64>().ok().filter(|v| v.is_finite() && *v > 0.0);
        if let Some(v) = t.strip_suffix("in") {
            let v = number(v).ok_or_else(bad)?;
            return Length::checked_inches(v, text);
        }
        if let Some(v) = t.strip_suffix("cm") {
            let v = number(v).ok_or_else(bad)?;
            return Length::checked_inches(v / 2.54, text);
        }
        let v = t.strip_suffix("px").unwrap_or(t).trim();
        let px: u32 = v.parse().map_err(|_| bad())?;
        if px == 0 || px > MAX_PIXELS {
            return Err(format!("`{text}`: give from 1 to {MAX_PIXELS} pixels"));
        }
        Ok(Length::Pixels(px))
    }

    fn checked_inches(v: f64, text: &str) -> Result<Length, String> {
        if !(0.5..=100.0).contains(&v) {
            return Err(format!("`{text}`: give from 0.5 to 100 inches (1.27 to 254 cm)"));
        }
        Ok(Length::Inches(v))
    }

    /// Pixels at `dpi`.
    fn pixels(self, dpi: f64) -> u32 {
        match self {
            Length::Inches(v) => (v * dpi).round().max(1.0) as u32,
            Length::Pixels(p) => p,
        }
    }
}

/// A picture file format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Format {
    Png,
    Svg,
    Pdf,
}

impl Format {
    /// The formats a run writes.
    pub const RUN: [Format; 2] = [Format::Png, Format::Svg];

    /// `png`, `svg` or `pdf`.
    ///
    /// # Errors
    /// A message naming the value and the formats there are.
    pub fn parse(name: &str) -> Result<Format, String> {
        match name.trim().to_ascii_lowercase().as_str() {
            "png" => Ok(Format::Png),
            "svg" => Ok(Format::Svg),
            "pdf" => Ok(Format::Pdf),
            _ => Err(format!("`{name}` is not a picture format: use png, svg or pdf")),
        }
    }

    /// The file extension.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Png => "png",
            Format::Svg => "svg",
            Format::Pdf => "pdf",
        }
    }
}

/// Everything about how a chart is drawn that is not its data.
#[derive(Debug, Clone, PartialEq)]
pub struct Style {
    /// The picture's width; default the chart's own.
    pub width: Option<Length>,
    /// The picture's height; default the chart's own, or in its
    /// proportion to `width` when only that is given.
    pub height: Option<Length>,
    /// Dots per inch: of PNG files, and the pixels per inch of the page
    /// size of PDF files (a PDF is vector: its text and lines are sharp at
    /// any resolution).
    pub dpi: f64,
    /// Whether charts carry their title.
    pub title: bool,
    pub theme: Theme,
    /// The axis labels' size in points; other text keeps its proportion.
    /// Default: the theme's.
    pub font_size: Option<f64>,
    /// The unit of time axes; default chosen by the horizon.
    pub time_unit: Option<TimeUnit>,
}

impl Default for Style {
    fn default() -> Style {
        Style {
            width: None,
            height: None,
            dpi: BASE_DPI,
            title: true,
            theme: Theme::Paper,
            font_size: None,
            time_unit: None,
        }
    }
}

/// The most dots per inch accepted.
pub const MAX_DPI: f64 = 1200.0;

impl Style {
    /// Checks the numbers a person gave.
    ///
    /// # Errors
    /// [`Error::Setting`] naming the setting, the value and what is allowed.
    pub fn check(&self) -> Result<(), Error> {
        if !(10.0..=MAX_DPI).contains(&self.dpi) {
            return Err(Error::setting(
                Setting::Dpi,
                self.dpi,
                format!("give from 10 to {MAX_DPI} dots per inch"),
            ));
        }
        if let Some(pt) = self.font_size
            && !(4.0..=72.0).contains(&pt)
        {
            return Err(Error::setting(Setting::FontSize, pt, "give from 4 to 72 points"));
        }
        for (setting, length) in [(Setting::Width, self.width), (Setting::Height, self.height)] {
            if let Some(l) = length {
                let px = l.pixels(self.dpi);
                if !(100..=MAX_PIXELS).contains(&px) {
                    return Err(Error::setting(
                        setting,
                        format!("{px} pixels at {} dpi", self.dpi),
                        format!("a picture side is from 100 to {MAX_PIXELS} pixels"),
                    ));
                }
            }
        }
        Ok(())
    }

    /// Pixels per pixel of the default style.
    fn scale(&self) -> f64 {
        self.dpi / BASE_DPI
    }

    fn text_scale(&self) -> f64 {
        self.font_size.map_or(self.theme.text_scale(), |pt| pt / BASE_FONT_PT)
    }

    /// A layout measure that follows the canvas.
    pub(super) fn px(&self, v: u32) -> u32 {
        (f64::from(v) * self.scale()).round() as u32
    }

    /// A font size, or room made for text.
    pub(super) fn text(&self, v: u32) -> u32 {
        (f64::from(v) * self.scale() * self.text_scale()).round() as u32
    }

    /// [`Style::text`] for signed offsets.
    pub(super) fn text_i(&self, v: i32) -> i32 {
        (f64::from(v) * self.scale() * self.text_scale()).round() as i32
    }

    /// A stroke width, dot radius or dash length (at least one pixel).
    pub(super) fn line(&self, v: u32) -> u32 {
        ((f64::from(v) * self.scale() * self.theme.line_scale()).round() as u32).max(1)
    }

    /// The canvas of an ordinary chart.
    pub(super) fn base_size(&self) -> (u32, u32) {
        let (w, h) = self.theme.size();
        (self.px(w), self.px(h))
    }

    /// The style to draw a chart of own size `natural` in, fitted to
    /// `--width` and `--height`: the whole chart (text, lines, margins)
    /// scaled by the ratio of the size asked for to its own (the smaller
    /// ratio when both are given), as if drawn at another resolution. A
    /// `--font-size` stays what it says, in points of the final picture.
    /// Without a size, the style itself.
    pub(super) fn fitted(&self, natural: (u32, u32)) -> Style {
        let (w, h) = (natural.0.max(1), natural.1.max(1));
        let (x, y) = (
            self.width.map(|l| l.pixels(self.dpi)),
            self.height.map(|l| l.pixels(self.dpi)),
        );
        let ratio = |given: u32, own: u32| f64::from(given) / f64::from(own);
        let k = match (x, y) {
            (None, None) => return self.clone(),
            (Some(x), None) => ratio(x, w),
            (None, Some(y)) => ratio(y, h),
            (Some(x), Some(y)) => ratio(x, w).min(ratio(y, h)),
        };
        Style {
            width: x.map(Length::Pixels),
            height: y.map(Length::Pixels),
            dpi: self.dpi * k,
            font_size: self.font_size.map(|pt| pt / k),
            ..self.clone()
        }
    }

    /// The picture size of a chart whose own size (in this style) is
    /// `natural`: `--width` and `--height` when given (one alone keeps the
    /// proportion).
    pub(super) fn canvas(&self, natural: (u32, u32)) -> (u32, u32) {
        let (w, h) = (natural.0.max(1), natural.1.max(1));
        let scaled = |given: u32, mine: u32, other: u32| {
            ((f64::from(given) * f64::from(other) / f64::from(mine)).round() as u32).clamp(1, MAX_PIXELS)
        };
        match (
            self.width.map(|l| l.pixels(self.dpi)),
            self.height.map(|l| l.pixels(self.dpi)),
        ) {
            (None, None) => (w, h),
            (Some(x), Some(y)) => (x, y),
            (Some(x), None) => (x, scaled(x, w, h)),
            (None, Some(y)) => (scaled(y, h, w), y),
        }
    }

    /// The picture every chart of the `slides` theme fills when no
    /// `--width` or `--height` is given: the theme's 16:9 canvas.
    pub(super) fn slide_box(&self) -> Option<(u32, u32)> {
        (self.theme == Theme::Slides && self.width.is_none() && self.height.is_none()).then(|| self.base_size())
    }

    /// The title to draw, if titles are drawn.
    pub(super) fn title<'a>(&self, title: &'a str) -> Option<&'a str> {
        self.title.then_some(title)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lengths_parse_with_their_units() {
        assert_eq!(Length::parse("7in"), Ok(Length::Inches(7.0)));
        assert_eq!(Length::parse("2100px"), Ok(Length::Pixels(2100)));
        assert_eq!(Length::parse(" 640 "), Ok(Length::Pixels(640)));
        assert_eq!(Length::parse("25.4cm"), Ok(Length::Inches(10.0)));
        let e = Length::parse("7 inches").unwrap_err();
        assert_eq!(
            e,
            "`7 inches` is not a length: give inches (7in), centimetres (18cm) or pixels (2100px or 2100)"
        );
        assert_eq!(Length::parse("0px").unwrap_err(), "`0px`: give from 1 to 20000 pixels");
        assert_eq!(
            Length::parse("0.1in").unwrap_err(),
            "`0.1in`: give from 0.5 to 100 inches (1.27 to 254 cm)"
        );
        assert!(Length::parse("-3in").is_err());
        assert!(Length::parse("NaNin").is_err());
    }

    #[test]
    fn the_default_style_changes_no_measure() {
        let s = Style::default();
        for v in [0, 1, 5, 24, 70, 1200] {
            assert_eq!((s.px(v), s.text(v), s.line(v.max(1))), (v, v, v.max(1)));
        }
        assert_eq!(s.text_i(-9), -9);
        assert_eq!(s.canvas((1430, 400)), (1430, 400));
        assert_eq!(s.base_size(), (1200, 800));
        assert!(s.check().is_ok());
    }

    #[test]
    fn dpi_scales_everything_and_sizes_follow_units() {
        let s = Style {
            dpi: 300.0,
            width: Some(Length::Inches(7.0)),
            ..Style::default()
        };
        assert_eq!((s.px(10), s.text(20), s.line(3)), (30, 60, 9));
        // Only the width: the chart's proportion kept, everything in it
        // scaled by 2100 / 3600 (its own width at 300 dpi).
        let f = s.fitted((3600, 2400));
        assert_eq!(f.canvas((2100, 1400)), (2100, 1400));
        assert_eq!((f.px(10), f.text(20), f.line(3)), (18, 35, 5));
        assert_eq!(Style::default().fitted((1200, 800)), Style::default());
        let s = Style {
            height: Some(Length::Pixels(500)),
            font_size: Some(BASE_FONT_PT * 2.0),
            ..Style::default()
        };
        // Scaled by 500 / 800, the font size kept in points.
        let f = s.fitted((1200, 800));
        assert_eq!(f.canvas((750, 500)), (750, 500));
        assert_eq!((f.text(20), f.px(20)), (40, 13));
    }

    #[test]
    fn checks_name_the_setting_and_the_range() {
        let bad = |s: Style| s.check().unwrap_err().to_string();
        assert_eq!(
            bad(Style {
                dpi: 5.0,
                ..Style::default()
            }),
            "dpi 5: give from 10 to 1200 dots per inch"
        );
        assert_eq!(
            bad(Style {
                font_size: Some(100.0),
                ..Style::default()
            }),
            "font_size 100: give from 4 to 72 points"
        );
        assert_eq!(
            bad(Style {
                width: Some(Length::Inches(90.0)),
                dpi: 300.0,
                ..Style::default()
            }),
            "width 27000 pixels at 300 dpi: a picture side is from 100 to 20000 pixels"
        );
        assert_eq!(
            Theme::parse("dark").unwrap_err(),
            "`dark` is not a theme: use paper or slides"
        );
        assert_eq!(
            Format::parse("jpg").unwrap_err(),
            "`jpg` is not a picture format: use png, svg or pdf"
        );
    }
}
