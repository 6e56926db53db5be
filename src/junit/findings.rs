//! Integrity findings: things wrong with a file that do not stop it from being read.
//!
//! Repeated problems are tallied into one sentence with a first example, so a file with a
//! hundred thousand bad times yields one line, not a hundred thousand.

use std::path::Path;

/// How often one kind of problem occurred, with the first occurrence as an example.
#[derive(Debug, Default)]
struct Tally {
    count: u64,
    first: Option<String>,
}

impl Tally {
    fn note(&mut self, example: impl FnOnce() -> String) {
        self.count += 1;
        if self.first.is_none() {
            self.first = Some(example());
        }
    }

    /// "1 testcase has X (e.g. …)" or "3 testcases have X (first: …)".
    fn sentence(&self, noun: &str, what: &str) -> Option<String> {
        let first = self.first.as_deref()?;
        Some(match self.count {
            1 => format!("1 {noun} has {what} ({first})"),
            n => format!("{n} {noun}s have {what} (first: {first})"),
        })
    }
}

/// Findings gathered while reading one file.
#[derive(Debug, Default)]
pub(crate) struct Findings {
    sentences: Vec<String>,
    negative_time: Tally,
    nan_time: Tally,
    unreadable_time: Tally,
    longer_than_run: Tally,
    nameless: Tally,
    entities: Tally,
}

impl Findings {
    /// Records a one-off finding.
    pub(crate) fn say(&mut self, sentence: String) {
        self.sentences.push(sentence);
    }

    /// A case whose `time` is negative; the duration is dropped.
    pub(crate) fn negative_time(&mut self, case: &str, raw: &str) {
        self.negative_time.note(|| format!("{case} time=\"{raw}\""));
    }

    /// A case whose `time` is NaN or infinite; the duration is dropped.
    pub(crate) fn nan_time(&mut self, case: &str, raw: &str) {
        self.nan_time.note(|| format!("{case} time=\"{raw}\""));
    }

    /// A case whose `time` is not a number; the duration is unknown.
    pub(crate) fn unreadable_time(&mut self, case: &str, raw: &str) {
        self.unreadable_time
            .note(|| format!("{case} time=\"{raw}\""));
    }

    /// A case that claims to have run longer than the whole run it belongs to.
    pub(crate) fn longer_than_run(&mut self, case: &str, seconds: f64, run_seconds: f64) {
        self.longer_than_run
            .note(|| format!("{case} took {seconds}s in a run of {run_seconds}s"));
    }

    /// A `<testcase>` without a name.
    pub(crate) fn nameless(&mut self, classname: &str) {
        self.nameless.note(|| format!("classname \"{classname}\""));
    }

    /// An entity reference left unexpanded (custom entities are never expanded).
    pub(crate) fn unexpanded_entity(&mut self, example: &str) {
        const SHOWN: usize = 60;
        self.entities
            .note(|| example.chars().take(SHOWN).collect::<String>());
    }

    /// The sentences, each prefixed with the file they are about.
    pub(crate) fn into_sentences(self, origin: &Path) -> Vec<String> {
        let tallies = [
            self.negative_time
                .sentence("testcase", "a negative time, duration dropped"),
            self.nan_time
                .sentence("testcase", "a NaN or infinite time, duration dropped"),
            self.unreadable_time
                .sentence("testcase", "an unreadable time, duration unknown"),
            self.longer_than_run
                .sentence("testcase", "a time longer than the whole run"),
            self.nameless
                .sentence("testcase", "no name (never merged with another)"),
            self.entities.sentence(
                "text",
                "an unknown entity reference, left unexpanded (no DTD is read)",
            ),
        ];
        self.sentences
            .into_iter()
            .chain(tallies.into_iter().flatten())
            .map(|s| format!("{}: {s}", origin.display()))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::Findings;
    use std::path::Path;

    #[test]
    fn repeated_problems_become_one_sentence() {
        let mut findings = Findings::default();
        findings.negative_time("a::t1", "-1");
        findings.negative_time("a::t2", "-2");
        findings.unreadable_time("a::t3", "soon");
        findings.say("declares 3 tests".into());
        let sentences = findings.into_sentences(Path::new("r.xml"));
        assert_eq!(
            sentences,
            [
                "r.xml: declares 3 tests",
                "r.xml: 2 testcases have a negative time, duration dropped (first: a::t1 time=\"-1\")",
                "r.xml: 1 testcase has an unreadable time, duration unknown (a::t3 time=\"soon\")",
            ]
        );
    }
}
