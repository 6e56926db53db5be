//! The steps around the battery validated into plans: `[deploy]` (a command or a service),
//! `[[collect]]` diagnostics and the `[fix]` step.
//!
//! Their commands and urls take the same `${…}` names as suites, except `${junit}`: only a
//! suite writes JUnit XML.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::time::Duration;

use toml::Spanned;

use super::checker::Checker;
use super::defaults;
use super::probe::check_url;
use super::raw::{RawCollect, RawDeploy, RawFix};
use super::template::Template;

/// A validated `[deploy]`.
#[derive(Debug, Clone)]
pub struct DeployPlan {
    /// A command that deploys, or a service kept up while the battery runs.
    pub mode: DeployMode,
    /// argv of the command or the service, never through a shell.
    pub command: Vec<Template>,
    /// Polled with GET until it answers 2xx before the battery starts.
    pub ready_url: Option<Template>,
    /// How long `ready_url` may take to answer 2xx.
    pub ready_timeout: Duration,
    /// argv whose first line of output names what was deployed.
    pub revision: Option<Vec<Template>>,
    /// A git checkout of what is deployed, resolved against the root: reports list the
    /// commits between the revisions iterations deployed.
    pub repo: Option<PathBuf>,
}

/// How `[deploy]` brings up the system under test.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeployMode {
    /// `command`: runs to its end before the battery.
    Command {
        /// `timeout`: past it the command is stopped and the deploy failed.
        timeout: Duration,
    },
    /// `service`: started before the battery and stopped after it.
    Service,
}

/// A validated `[[collect]]`.
#[derive(Debug, Clone)]
pub struct CollectPlan {
    /// Unique among the loop's collects; heads its block in the report.
    pub name: String,
    /// argv, never through a shell.
    pub command: Vec<Template>,
    /// Past it the command is stopped; what it printed so far is kept.
    pub timeout: Duration,
}

/// A validated `[fix]`.
#[derive(Debug, Clone)]
pub struct FixPlan {
    /// argv, never through a shell; gets `GREENLOOP_REPORT` and `GREENLOOP_REPORT_JSON`.
    pub command: Vec<Template>,
    /// Past it the fix is stopped and counts as failed.
    pub timeout: Duration,
    /// Start the next iteration when the fix succeeds (the daemon; `run --until-green` always
    /// continues).
    pub auto_continue: bool,
}

/// The validated steps of one loop file.
pub struct Steps {
    /// `[deploy]`.
    pub deploy: Option<DeployPlan>,
    /// `[[collect]]`, in file order.
    pub collect: Vec<CollectPlan>,
    /// `[fix]`.
    pub fix: Option<FixPlan>,
}

/// Validates `[deploy]`, `[[collect]]` and `[fix]`; `known` says which `${…}` names exist,
/// `samples` fills them to check `ready_url`, and `root` is what `repo` is relative to.
pub fn step_plans(
    deploy: Option<&Spanned<RawDeploy>>,
    collect: &[RawCollect],
    fix: Option<&RawFix>,
    known: &dyn Fn(&str) -> bool,
    samples: &BTreeMap<String, String>,
    root: &Path,
    check: &mut Checker,
) -> Steps {
    let mut names = BTreeSet::new();
    let collect = collect
        .iter()
        .filter_map(|raw| {
            let name = raw.name.get_ref().trim();
            if name.is_empty() {
                check.error(raw.name.span(), "a [[collect]] needs a non-empty `name`");
            } else if !names.insert(name.to_owned()) {
                check.error(
                    raw.name.span(),
                    format!("[[collect]] `{name}` is defined twice"),
                );
            }
            collect_plan(raw, known, check)
        })
        .collect();
    Steps {
        deploy: deploy.and_then(|raw| deploy_plan(raw, known, samples, root, check)),
        collect,
        fix: fix.and_then(|raw| fix_plan(raw, known, check)),
    }
}

fn deploy_plan(
    raw: &Spanned<RawDeploy>,
    known: &dyn Fn(&str) -> bool,
    samples: &BTreeMap<String, String>,
    root: &Path,
    check: &mut Checker,
) -> Option<DeployPlan> {
    let errors_before = check.diagnostics.len();
    let section = "[deploy]";
    let deploy = raw.get_ref();
    let (command, is_service) = match (&deploy.command, &deploy.service) {
        (Some(command), None) => (Some(command), false),
        (None, Some(service)) => (Some(service), true),
        (Some(_), Some(service)) => {
            check.error(
                service.span(),
                "[deploy] has both `command` and `service`: use `command` for a deploy that runs to its end, `service` for a process kept up while the battery runs",
            );
            (None, true)
        }
        (None, None) => {
            check.error(
                raw.span(),
                "[deploy] needs `command` (a deploy that runs to its end) or `service` (a process kept up while the battery runs)",
            );
            (None, false)
        }
    };
    let (key, example) = if is_service {
        ("service", r#"["python3", "-m", "myapp.server"]"#)
    } else {
        ("command", r#"["./scripts/deploy.sh"]"#)
    };
    let command = command.and_then(|c| argv(c, (key, section, example), known, check));
    let timeout = match (&deploy.timeout, is_service) {
        (Some(t), true) => {
            check.error(
                t.span(),
                "`timeout` does not apply to a service (it runs until the battery ends): use `ready_timeout` for how long it may take to come up",
            );
            None
        }
        (Some(t), false) => check.duration(t, "timeout"),
        (None, _) => Some(defaults::DEPLOY_TIMEOUT),
    };
    let ready_url = deploy.ready_url.as_ref().and_then(|url| {
        let template = template(url, section, known, check)?;
        check_url(url, &template, samples, &["http", "https"], check);
        Some(template)
    });
    let ready_timeout = match (&deploy.ready_timeout, &deploy.ready_url) {
        (Some(t), None) => {
            check.error(t.span(), "`ready_timeout` needs a `ready_url` to wait for");
            None
        }
        (Some(t), Some(_)) => check.duration(t, "ready_timeout"),
        (None, _) => Some(defaults::READY_TIMEOUT),
    };
    let revision = match &deploy.revision {
        Some(r) => argv(
            r,
            (
                "revision",
                section,
                r#"["git", "rev-parse", "--short", "HEAD"]"#,
            ),
            known,
            check,
        )
        .map(Some),
        None => Some(None),
    };
    let repo = deploy
        .repo
        .as_ref()
        .and_then(|repo| repo_path(repo, deploy.revision.is_some(), root, check));
    if check.diagnostics.len() > errors_before {
        return None;
    }
    Some(DeployPlan {
        mode: if is_service {
            DeployMode::Service
        } else {
            DeployMode::Command { timeout: timeout? }
        },
        command: command?,
        ready_url,
        ready_timeout: ready_timeout?,
        revision: revision?,
        repo,
    })
}

/// `[deploy] repo`, resolved against the root. It is a plain path rather than a template: it
/// names a checkout on this machine, which no `${…}` value describes better than the path.
/// Whether it is a git repository is only known when git reads it (a deploy may create it),
/// so that is said in the report, not here.
fn repo_path(
    raw: &Spanned<String>,
    has_revision: bool,
    root: &Path,
    check: &mut Checker,
) -> Option<PathBuf> {
    let path = raw.get_ref().trim();
    if path.is_empty() {
        check.error(
            raw.span(),
            "`repo` in [deploy] is empty: give the path of a git checkout, e.g. \"../app\"",
        );
        return None;
    }
    if path.contains("${") {
        check.error(
            raw.span(),
            "`repo` in [deploy] is a plain path (relative to the root), not a template: `${…}` is not expanded here",
        );
        return None;
    }
    if !has_revision {
        check.error(
            raw.span(),
            "`repo` needs `revision` in [deploy]: the commits listed are those between the revisions iterations deployed, e.g. revision = [\"git\", \"-C\", \"../app\", \"rev-parse\", \"--short\", \"HEAD\"]",
        );
        return None;
    }
    Some(root.join(path))
}

fn collect_plan(
    raw: &RawCollect,
    known: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Option<CollectPlan> {
    let example = r#"["kubectl", "logs", "deploy/api", "--tail=200"]"#;
    let command = argv(
        &raw.command,
        ("command", "[[collect]]", example),
        known,
        check,
    );
    let timeout = raw
        .timeout
        .as_ref()
        .map_or(Some(defaults::COLLECT_TIMEOUT), |t| {
            check.duration(t, "timeout")
        });
    Some(CollectPlan {
        name: raw.name.get_ref().trim().to_owned(),
        command: command?,
        timeout: timeout?,
    })
}

fn fix_plan(raw: &RawFix, known: &dyn Fn(&str) -> bool, check: &mut Checker) -> Option<FixPlan> {
    let example = r#"["./scripts/fix.sh"]"#;
    let command = argv(&raw.command, ("command", "[fix]", example), known, check);
    let timeout = raw
        .timeout
        .as_ref()
        .map_or(Some(defaults::FIX_TIMEOUT), |t| {
            check.duration(t, "timeout")
        });
    Some(FixPlan {
        command: command?,
        timeout: timeout?,
        auto_continue: raw.auto_continue,
    })
}

/// A non-empty argv whose every argument is a valid template; `what` is the key, its section
/// and an example for the message when it is empty.
pub(super) fn argv(
    raw: &Spanned<Vec<Spanned<String>>>,
    (key, section, example): (&str, &str, &str),
    known: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Option<Vec<Template>> {
    if raw.get_ref().is_empty() {
        check.error(
            raw.span(),
            format!(
                "`{key}` in {section} is empty: give the program and its arguments, e.g. {example}"
            ),
        );
        return None;
    }
    let errors_before = check.diagnostics.len();
    let argv: Vec<Template> = raw
        .get_ref()
        .iter()
        .filter_map(|arg| template(arg, section, known, check))
        .collect();
    (check.diagnostics.len() == errors_before).then_some(argv)
}

/// A template that may use every name a suite may, except `${junit}`.
pub(super) fn template(
    raw: &Spanned<String>,
    section: &str,
    known: &dyn Fn(&str) -> bool,
    check: &mut Checker,
) -> Option<Template> {
    if let Ok(parsed) = Template::parse(raw.get_ref())
        && parsed.names().any(|name| name == "junit")
    {
        check.error(
            raw.span(),
            format!(
                "`${{junit}}` is where a suite writes its JUnit XML: {section} has no JUnit, so it cannot use it"
            ),
        );
        return None;
    }
    check.template(raw, known)
}
