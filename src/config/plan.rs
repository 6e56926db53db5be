//! A loop definition validated into a plan the runner can execute without further checks.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::checker::Checker;
use super::defaults;
use super::logs::{LogPlan, log_plans};
use super::notify::{NotifyPlan, notify_plans};
use super::probe::{ProbePlan, probe_plans};
use super::public_vars::public_vars;
use super::raw::{RawLoop, RawSuite};
use super::schedule::{self, OnBusy};
use super::secret::{self, SecretValue};
use super::steps::{CollectPlan, DeployPlan, FixPlan, step_plans};
use super::template::Template;
use crate::model::LoopName;
use crate::redact::Redactor;
use crate::schedule::Schedule;

/// Names every template may use besides `[vars]` and `[secrets]`.
pub const BUILTINS: [&str; 8] = [
    "loop",
    "iteration",
    "iteration_started_at",
    "loop_name",
    "report_dir",
    "root",
    "greenloop",
    "junit",
];

/// A validated loop definition.
#[derive(Debug, Clone)]
pub struct LoopPlan {
    /// The file's stem.
    pub name: LoopName,
    /// The file it came from.
    pub path: PathBuf,
    /// `title`, or the name.
    pub title: String,
    /// `focus`: what this loop is about.
    pub focus: Option<String>,
    /// `environment`: where it runs, for the report.
    pub environment: Option<String>,
    /// `max_iterations`: a loop closes as exhausted after this many.
    pub max_iterations: Option<u32>,
    /// `pass_threshold`: pass rate non-critical tests need for green.
    pub pass_threshold: f64,
    /// `keep_iterations`: how many iterations keep their test results and logs.
    pub keep_iterations: u32,
    /// `schedule` in `timezone`: when the daemon triggers this loop by itself.
    pub schedule: Option<Schedule>,
    /// `on_busy`: what a trigger does while this loop runs an iteration.
    pub on_busy: OnBusy,
    /// `[vars]`.
    pub vars: BTreeMap<String, String>,
    /// `public_vars`: the `[vars]` reports may show as targets, in file order.
    pub public_vars: Vec<String>,
    /// `[secrets]`, resolved.
    pub secrets: BTreeMap<String, SecretValue>,
    /// `[env]`, for every suite.
    pub env: Vec<(String, Template)>,
    /// `[battery] parallel`.
    pub parallel: usize,
    /// `[[suite]]`, in file order.
    pub suites: Vec<SuitePlan>,
    /// `[[probe]]`, in file order.
    pub probes: Vec<ProbePlan>,
    /// `[deploy]`: brings up the system under test before the battery.
    pub deploy: Option<DeployPlan>,
    /// `[fix]`: runs after a failing iteration.
    pub fix: Option<FixPlan>,
    /// `[[collect]]`: diagnostics for failing iterations, in file order.
    pub collect: Vec<CollectPlan>,
    /// `[[notify]]`: webhooks told about state changes, in file order.
    pub notify: Vec<NotifyPlan>,
    /// `[[log]]`: the backend's own logs, read for evidence when an iteration fails.
    pub logs: Vec<LogPlan>,
}

/// A validated `[[suite]]`.
#[derive(Debug, Clone)]
pub struct SuitePlan {
    /// Unique within the loop; part of test ids and file names.
    pub name: String,
    /// argv, never through a shell.
    pub command: Vec<Template>,
    /// Where it runs, relative to the root.
    pub workdir: Option<Template>,
    /// Its own environment, on top of the loop's `[env]`.
    pub env: Vec<(String, Template)>,
    /// Where its JUnit XML lands (a path or glob); greenloop picks a path when unset.
    pub junit: Option<Template>,
    /// Whole-suite limit.
    pub timeout: Duration,
    /// No output for this long counts as a hang.
    pub idle_timeout: Option<Duration>,
    /// A critical suite must pass for the iteration to be green.
    pub critical: bool,
    /// What its failure means for users, for the report.
    pub impact: Option<String>,
}

impl LoopPlan {
    /// The plan of a definition with no file (for `import` of CI results): every default and
    /// no suites.
    pub fn bare(name: LoopName) -> Self {
        Self {
            title: name.to_string(),
            name,
            path: PathBuf::new(),
            focus: None,
            environment: None,
            max_iterations: None,
            pass_threshold: defaults::PASS_THRESHOLD,
            keep_iterations: defaults::KEEP_ITERATIONS,
            schedule: None,
            on_busy: defaults::ON_BUSY,
            vars: BTreeMap::new(),
            public_vars: Vec::new(),
            secrets: BTreeMap::new(),
            env: Vec::new(),
            parallel: defaults::PARALLEL as usize,
            suites: Vec::new(),
            probes: Vec::new(),
            deploy: None,
            fix: None,
            collect: Vec::new(),
            notify: Vec::new(),
            logs: Vec::new(),
        }
    }

    /// A redactor for every secret of this loop.
    pub fn redactor(&self) -> Redactor {
        Redactor::new(self.secrets.values().map(SecretValue::expose))
    }

    /// The suite called `name`.
    pub fn suite(&self, name: &str) -> Option<&SuitePlan> {
        self.suites.iter().find(|suite| suite.name == name)
    }
}

/// Validates `raw` (read from `path`) into a plan, collecting every problem in `check`.
pub fn validate(
    name: LoopName,
    raw: RawLoop,
    root: &Path,
    check: &mut Checker,
) -> Option<LoopPlan> {
    let vars = names_and_values(&raw.vars, "[vars]", check);
    let mut secrets = BTreeMap::new();
    for (key, source) in &raw.secrets {
        if !valid_name(key, "[secrets]", check) {
            continue;
        }
        if vars.contains_key(key.get_ref()) {
            check.error(
                key.span(),
                format!(
                    "`{}` is defined in both [vars] and [secrets]",
                    key.get_ref()
                ),
            );
        }
        match secret::resolve(source.get_ref(), root) {
            Ok(value) => {
                if let Some(warning) = secret::short_warning(key.get_ref(), &value) {
                    check.warn(source.span(), warning);
                }
                secrets.insert(key.get_ref().clone(), value);
            }
            Err(message) => check.error(
                source.span(),
                format!("secret `{}`: {message}", key.get_ref()),
            ),
        }
    }
    let public_vars = public_vars(
        raw.public_vars.as_ref(),
        &vars,
        &|name| raw.secrets.contains_key(name),
        check,
    );
    let known = |name: &str| {
        BUILTINS.contains(&name) || vars.contains_key(name) || raw.secrets.contains_key(name)
    };
    let env = env_table(&raw.env, &known, check);

    let mut seen = BTreeSet::new();
    let suites: Vec<SuitePlan> = raw
        .suites
        .iter()
        .filter_map(|suite| {
            let name = suite.name.get_ref();
            if !seen.insert(name.clone()) {
                check.error(
                    suite.name.span(),
                    format!("suite `{name}` is defined twice"),
                );
            }
            suite_plan(suite, &known, check)
        })
        .collect();
    let mut samples: BTreeMap<String, String> = vars.clone();
    samples.extend(
        secrets
            .iter()
            .map(|(k, v): (&String, &SecretValue)| (k.clone(), v.expose().to_owned())),
    );
    for builtin in BUILTINS {
        samples
            .entry(builtin.to_owned())
            .or_insert_with(|| "1".to_owned());
    }
    let probes = probe_plans(&raw.probes, &known, &samples, check);
    let steps = step_plans(
        raw.deploy.as_ref(),
        &raw.collect,
        raw.fix.as_ref(),
        &known,
        &samples,
        root,
        check,
    );
    let notify = notify_plans(&raw.notify, &known, &samples, check);
    let logs = log_plans(&raw.logs, root, &known, check);

    let max_iterations = raw.max_iterations.as_ref().map(|max| {
        if *max.get_ref() == 0 {
            check.error(max.span(), "`max_iterations` must be at least 1");
        }
        *max.get_ref()
    });
    let pass_threshold = match &raw.pass_threshold {
        Some(t) if !(0.0..=1.0).contains(t.get_ref()) => {
            check.error(
                t.span(),
                "`pass_threshold` must be between 0.0 and 1.0 (e.g. 0.95)",
            );
            defaults::PASS_THRESHOLD
        }
        Some(t) => *t.get_ref(),
        None => defaults::PASS_THRESHOLD,
    };
    let keep_iterations = match &raw.keep_iterations {
        Some(k) if *k.get_ref() == 0 => {
            check.error(k.span(), "`keep_iterations` must be at least 1");
            1
        }
        Some(k) => *k.get_ref(),
        None => defaults::KEEP_ITERATIONS,
    };
    let schedule = schedule::schedule(raw.schedule.as_ref(), raw.timezone.as_ref(), check);
    let on_busy = schedule::on_busy(raw.on_busy.as_ref(), check);
    let parallel = match &raw.battery.parallel {
        Some(p) if *p.get_ref() == 0 => {
            check.error(p.span(), "`parallel` must be at least 1");
            1
        }
        Some(p) => *p.get_ref(),
        None => defaults::PARALLEL,
    };

    if !check.diagnostics.is_empty() || suites.len() != raw.suites.len() {
        return None;
    }
    Some(LoopPlan {
        title: raw.title.clone().unwrap_or_else(|| name.to_string()),
        name,
        path: PathBuf::new(),
        focus: raw.focus,
        environment: raw.environment,
        max_iterations,
        pass_threshold,
        keep_iterations,
        schedule,
        on_busy,
        vars,
        public_vars,
        secrets,
        env,
        parallel: parallel as usize,
        suites,
        probes,
        deploy: steps.deploy,
        fix: steps.fix,
        collect: steps.collect,
        notify,
        logs,
    })
}

fn suite_plan(
    raw: &RawSuite,
    known: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Option<SuitePlan> {
    let errors_before = check.diagnostics.len();
    let name = raw.name.get_ref();
    let name_ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        && !name.starts_with('.');
    if !name_ok {
        check.error(raw.name.span(), format!("suite name `{name}` must be letters, digits, `-`, `_` and `.` (it names files and test ids)"));
    } else if name == "probe" {
        check.error(
            raw.name.span(),
            "suite name `probe` is reserved for built-in probes",
        );
    }
    if raw.command.get_ref().is_empty() {
        check.error(
            raw.command.span(),
            "`command` is empty: give the program and its arguments, e.g. [\"pytest\", \"tests\"]",
        );
    }
    let command: Vec<Template> = raw
        .command
        .get_ref()
        .iter()
        .filter_map(|arg| check.template(arg, known))
        .collect();
    let workdir = raw.workdir.as_ref().and_then(|w| check.template(w, known));
    let junit = raw.junit.as_ref().and_then(|j| check.template(j, known));
    let env = env_table(&raw.env, known, check);
    let timeout = match &raw.timeout {
        Some(t) => check.duration(t, "timeout"),
        None => Some(defaults::SUITE_TIMEOUT),
    };
    let idle_timeout = raw
        .idle_timeout
        .as_ref()
        .and_then(|t| check.duration(t, "idle_timeout"));
    if check.diagnostics.len() > errors_before {
        return None;
    }
    Some(SuitePlan {
        name: name.clone(),
        command,
        workdir,
        env,
        junit,
        timeout: timeout?,
        idle_timeout,
        critical: raw.critical,
        impact: raw.impact.clone(),
    })
}

fn names_and_values(
    table: &BTreeMap<Spanned<String>, Spanned<String>>,
    section: &str,
    check: &mut Checker,
) -> BTreeMap<String, String> {
    table
        .iter()
        .filter(|(key, _)| valid_name(key, section, check))
        .map(|(key, value)| (key.get_ref().clone(), value.get_ref().clone()))
        .collect()
}

fn valid_name(key: &Spanned<String>, section: &str, check: &mut Checker) -> bool {
    let name = key.get_ref();
    if BUILTINS.contains(&name.as_str()) {
        check.error(
            key.span(),
            format!("`{name}` in {section} is a built-in name and cannot be redefined"),
        );
        return false;
    }
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
    if !ok {
        check.error(
            key.span(),
            format!("`{name}` in {section} must be letters, digits, `_` and `-`"),
        );
    }
    ok
}

fn env_table(
    table: &BTreeMap<Spanned<String>, Spanned<String>>,
    known: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Vec<(String, Template)> {
    let mut env = Vec::new();
    for (key, value) in table {
        let name = key.get_ref();
        if name.is_empty() || name.contains(['=', '\0']) {
            check.error(
                key.span(),
                format!("`{name}` is not a valid environment variable name"),
            );
            continue;
        }
        if name.starts_with("GREENLOOP_") {
            check.error(
                key.span(),
                format!("`{name}`: GREENLOOP_* variables are set by greenloop itself"),
            );
            continue;
        }
        if let Some(template) = check.template(value, known) {
            env.push((name.clone(), template));
        }
    }
    env
}
