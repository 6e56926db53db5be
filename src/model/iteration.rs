//! A whole iteration: what ran, when, on which machine, and what it amounts to.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::cause::{ResolvedRootCause, RootCause};
use super::deployed::{DeployChange, PriorFix, RunnerVersion, Target};
use super::history::{Cluster, Diff, IterationRef, ResolvedCluster};
use super::integrity::Finding;
use super::names::LoopName;
use super::steps::{Collected, DeployOutcome};
use super::suite::SuiteResult;
use super::test::TestResult;
use super::verdict::{Totals, Verdict};

/// Everything known about one iteration once it has finished.
#[derive(Debug, Clone)]
pub struct Iteration {
    /// The loop definition.
    pub loop_name: LoopName,
    /// Its `title`.
    pub title: String,
    /// Its `focus`.
    pub focus: Option<String>,
    /// Its `environment`.
    pub environment: Option<String>,
    /// Loop number, from 1.
    pub loop_number: u32,
    /// Iteration number within the loop, from 1.
    pub number: u32,
    /// What started it, e.g. "manual (cli)".
    pub trigger: String,
    /// When it started.
    pub started_at: DateTime<Utc>,
    /// When it finished.
    pub finished_at: DateTime<Utc>,
    /// Every suite, in loop-file order.
    pub suites: Vec<SuiteResult>,
    /// The verdict.
    pub verdict: Verdict,
    /// Why the verdict is `error`, when it is.
    pub error: Option<String>,
    /// Counts over every test.
    pub totals: Totals,
    /// What changed since the previous iteration.
    pub diff: Diff,
    /// Failures grouped by error signature, most important first.
    pub clusters: Vec<Cluster>,
    /// Clusters of the previous iteration with no failure now.
    pub resolved_clusters: Vec<ResolvedCluster>,
    /// Failures from every source grouped by the facts they share, most important first.
    pub root_causes: Vec<RootCause>,
    /// Root causes of the previous iteration with no failure now.
    pub resolved_root_causes: Vec<ResolvedRootCause>,
    /// The `[fix]` step that ran after the previous iteration, when one did.
    pub previous_fix: Option<PriorFix>,
    /// The revision deployed now against earlier ones, and the commits between them; `None`
    /// when no revision is known.
    pub deployed: Option<DeployChange>,
    /// The addresses the battery pointed at (probe URLs, public `[vars]`).
    pub targets: Vec<Target>,
    /// Test runner versions the suites' JUnit states.
    pub runners: Vec<RunnerVersion>,
    /// Reasons to distrust the results.
    pub integrity: Vec<Finding>,
    /// Each probe's report by probe name, in file order (their checks are also the tests of
    /// the suite `probe`).
    pub probes: Vec<(String, crate::probe::ProbeReport)>,
    /// The machine greenloop ran on.
    pub host: Host,
    /// How `[deploy]` went; `None` when the loop has none (or nothing ran).
    pub deploy: Option<DeployOutcome>,
    /// `[[collect]]` output, gathered when the iteration failed or errored.
    pub collected: Vec<Collected>,
}

impl Iteration {
    /// Its numbers: Loop L / Iteration I.
    pub fn at(&self) -> IterationRef {
        IterationRef {
            loop_number: self.loop_number,
            iteration: self.number,
        }
    }

    /// Every test of every suite.
    pub fn tests(&self) -> impl Iterator<Item = &TestResult> {
        self.suites.iter().flat_map(|suite| suite.tests.iter())
    }

    /// The revision `[deploy] revision` said was deployed, when it said one.
    pub fn revision(&self) -> Option<&str> {
        match self.deploy.as_ref()?.revision.as_ref()? {
            super::steps::Revision::Known(revision) => Some(revision),
            super::steps::Revision::Unknown { .. } => None,
        }
    }

    /// Drops what was concluded from results that do not count (a deploy that failed, a loop
    /// file that does not validate): diff, clusters, root causes and integrity findings, which
    /// would only mislead.
    pub fn forget_analysis(&mut self) {
        self.diff = Diff::default();
        self.clusters.clear();
        self.resolved_clusters.clear();
        self.root_causes.clear();
        self.resolved_root_causes.clear();
        self.integrity.clear();
    }

    /// The highest peak memory of any suite.
    pub fn peak_rss_bytes(&self) -> Option<u64> {
        self.suites
            .iter()
            .filter_map(|suite| suite.process()?.peak_rss_bytes)
            .max()
    }
}

/// The machine an iteration ran on.
#[derive(Debug, Clone, Serialize)]
pub struct Host {
    /// Host name.
    pub hostname: String,
    /// Operating system and kernel, e.g. "linux 6.1.0 (x86_64)".
    pub os: String,
    /// Number of CPUs.
    pub cpus: usize,
    /// greenloop's own version.
    pub greenloop_version: String,
}

impl Host {
    /// Describes the machine this process runs on.
    pub fn current() -> Self {
        let uname = nix::sys::utsname::uname().ok();
        let field = |f: fn(&nix::sys::utsname::UtsName) -> &std::ffi::OsStr| {
            uname
                .as_ref()
                .map(|u| f(u).to_string_lossy().into_owned())
                .unwrap_or_default()
        };
        Self {
            hostname: field(|u| u.nodename()),
            os: format!(
                "{} {} ({})",
                std::env::consts::OS,
                field(|u| u.release()),
                std::env::consts::ARCH
            ),
            cpus: std::thread::available_parallelism().map_or(1, usize::from),
            greenloop_version: env!("CARGO_PKG_VERSION").to_owned(),
        }
    }
}
