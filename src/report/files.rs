//! Where an iteration's files go, and writing them so a reader never sees half a file.

use std::io::Write;
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};

use super::{json, markdown};
use crate::model::{Iteration, IterationRef, LoopName};
use crate::redact::Redactor;

/// The paths of one iteration's files.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportPaths {
    /// `reports/<loop>/`.
    pub dir: PathBuf,
    /// `<YYYY-MM-DD>_loop-<LLL>_iteration-<III>`.
    pub stem: String,
}

impl ReportPaths {
    /// The paths for iteration `at` of `name`, started at `started`.
    pub fn new(
        reports_dir: &Path,
        name: &LoopName,
        at: IterationRef,
        started: DateTime<Utc>,
    ) -> Self {
        Self {
            dir: reports_dir.join(name.as_str()),
            stem: stem(at, started),
        }
    }

    /// The Markdown report.
    pub fn markdown(&self) -> PathBuf {
        self.dir.join(format!("{}.md", self.stem))
    }

    /// The JSON twin.
    pub fn json(&self) -> PathBuf {
        self.dir.join(format!("{}.json", self.stem))
    }

    /// This iteration's logs, relative to [`Self::dir`].
    pub fn logs_relative(&self) -> PathBuf {
        Path::new("logs").join(&self.stem)
    }

    /// This iteration's logs.
    pub fn logs(&self) -> PathBuf {
        self.dir.join(self.logs_relative())
    }
}

/// `<YYYY-MM-DD>_loop-<LLL>_iteration-<III>`: zero-padded so names sort.
pub fn stem(at: IterationRef, started: DateTime<Utc>) -> String {
    format!(
        "{}_loop-{:03}_iteration-{:03}",
        started.format("%Y-%m-%d"),
        at.loop_number,
        at.iteration
    )
}

/// Writes the Markdown and JSON reports and refreshes `latest.md` / `latest.json`. Every file
/// passes through `redactor` as a last line of defence, and lands by atomic rename.
pub fn write_iteration(
    paths: &ReportPaths,
    iteration: &Iteration,
    redactor: &Redactor,
) -> std::io::Result<()> {
    std::fs::create_dir_all(&paths.dir)?;
    let markdown = redactor.mask(markdown::render(iteration));
    let json = redactor.mask(json::render(iteration));
    write_atomic(&paths.markdown(), markdown.as_bytes())?;
    write_atomic(&paths.json(), json.as_bytes())?;
    publish_latest(
        &paths.markdown(),
        &paths.dir.join("latest.md"),
        markdown.as_bytes(),
    )?;
    publish_latest(
        &paths.json(),
        &paths.dir.join("latest.json"),
        json.as_bytes(),
    )
}

/// Makes `latest` show the same bytes as `report`: a hard link renamed into place (no second
/// copy of a report that may be tens of megabytes to write and sync), or a copy where the file
/// system has no hard links. Sharing the file is safe because greenloop never writes a report
/// in place: every write lands as a new file by rename.
fn publish_latest(report: &Path, latest: &Path, contents: &[u8]) -> std::io::Result<()> {
    let temp = temp_path(latest);
    let _ = std::fs::remove_file(&temp);
    match std::fs::hard_link(report, &temp) {
        Ok(()) => std::fs::rename(&temp, latest).inspect_err(|_| {
            let _ = std::fs::remove_file(&temp);
        }),
        Err(_) => write_atomic(latest, contents),
    }
}

fn temp_path(path: &Path) -> PathBuf {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("file");
    path.with_file_name(format!(".{name}.{}.tmp", std::process::id()))
}

/// Writes `contents` to a temporary file beside `path`, syncs it, and renames it over `path`.
pub fn write_atomic(path: &Path, contents: &[u8]) -> std::io::Result<()> {
    let temp = temp_path(path);
    let result = (|| {
        let mut file = std::fs::File::create(&temp)?;
        file.write_all(contents)?;
        file.sync_all()?;
        std::fs::rename(&temp, path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temp);
    }
    result
}
