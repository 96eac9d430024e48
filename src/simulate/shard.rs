//! Shards: contiguous ranges of chunks that partition a cohort exactly.

/// Shard `index` of `count`: a contiguous range of chunks, so that the
/// shards of a cohort partition its patients exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Default for Shard {
    fn default() -> Self {
        Shard { index: 0, count: 1 }
    }
}

impl Shard {
    /// Parses `K/N` with 0 <= K < N.
    ///
    /// # Errors
    /// A message saying what is allowed.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let bad = || "write K/N with 0 <= K < N, e.g. 0/4 for the first of four shards".to_string();
        let (k, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count): (u64, u64) = (
            k.trim().parse().map_err(|_| bad())?,
            n.trim().parse().map_err(|_| bad())?,
        );
        if count == 0 || index >= count || count > 1_000_000 {
            return Err(bad());
        }
        Ok(Shard { index, count })
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
