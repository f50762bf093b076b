//! `import-django --from URL [--dry-run]`: a Django project's users and credentials into
//! `DATABASE_URL` (the rules are `latchkey_store::import`'s; the reading is
//! `latchkey_django`'s). A progress bar on a terminal, always a summary per table.

use super::CommandError;
use crate::config::Settings;
use crate::startup;
use indicatif::{ProgressBar, ProgressStyle};
use latchkey_django::{DjangoDatabase, TableState};
use latchkey_store::import::{ImportMode, ImportProgress, ImportReport, TableCounts};
use std::time::{Duration, Instant};

/// Advances one bar over every row written; the message names the table.
struct Bar(ProgressBar);

impl ImportProgress for Bar {
    fn advance(&self, table: &'static str, rows: u64) {
        self.0.set_message(table);
        self.0.inc(rows);
    }
}

pub(super) fn run(settings: &Settings, from: &str, dry_run: bool) -> Result<(), CommandError> {
    let started = Instant::now();
    let target = startup::connect(settings)?;

    // indicatif draws only when stderr is a terminal, so logs and CI output stay clean.
    let spinner = ProgressBar::new_spinner().with_message(format!("reading {}", latchkey_store::redact_url(from)));
    spinner.enable_steady_tick(Duration::from_millis(100));
    let django = DjangoDatabase::open(from).and_then(DjangoDatabase::read);
    spinner.finish_and_clear();
    let django = django.map_err(|err| CommandError::failed("cannot read the Django database", err))?;

    let bar = ProgressBar::new(django.set.rows());
    if let Ok(style) = ProgressStyle::with_template("{bar:40} {pos}/{len} rows  {msg}") {
        bar.set_style(style);
    }
    let mode = if dry_run { ImportMode::DryRun } else { ImportMode::Apply };
    let report = target.import(&django.set, mode, &Bar(bar.clone()));
    bar.finish_and_clear();
    let report = report.map_err(|err| CommandError::failed("import", err))?;

    println!("From {} into {}", latchkey_store::redact_url(from), target.redacted_url());
    print!("{}", summary(&report, &django.read, &django.left_behind));
    let elapsed = started.elapsed().as_secs_f64();
    match (report.mode, report.changes_anything()) {
        (ImportMode::DryRun, _) => println!("Dry run: nothing was written ({elapsed:.2} s)."),
        (ImportMode::Apply, false) => println!("Nothing to import: no row to write ({elapsed:.2} s)."),
        (ImportMode::Apply, true) => println!("Imported in {elapsed:.2} s, in one transaction."),
    }
    Ok(())
}

fn rows(n: u64) -> &'static str {
    if n == 1 { "row" } else { "rows" }
}

/// The table of counts, one line per Django table, and what stays behind.
fn summary(report: &ImportReport, read: &[TableState], left_behind: &[TableState]) -> String {
    let verb = if report.mode == ImportMode::DryRun { "would import" } else { "imported" };
    let mut out = format!("{:<34} {:>8} {:>13} {:>13} {:>9}\n", "table", "read", verb, "already here", "left out");
    let counts: [&TableCounts; 4] = [&report.users, &report.keys, &report.outstanding, &report.blacklisted];
    for (table, counts) in read.iter().zip(counts) {
        if table.rows.is_none() {
            out.push_str(&format!("{:<34} not installed\n", table.name));
            continue;
        }
        out.push_str(&format!(
            "{:<34} {:>8} {:>13} {:>13} {:>9}\n",
            table.name, counts.read, counts.imported, counts.present, counts.skipped
        ));
    }
    if report.users_changed_since > 0 {
        out.push_str(&format!(
            "{} of the users already here changed in Latchkey since they were imported; kept as Latchkey has them.\n",
            report.users_changed_since
        ));
    }
    if report.users_deactivated > 0 {
        out.push_str(&format!(
            "{} users already here were deactivated in Django since: deactivated here too.\n",
            report.users_deactivated
        ));
    }
    if report.keys_revoked > 0 {
        out.push_str(&format!(
            "{} imported DRF keys were revoked in Django since: deleted here too.\n",
            report.keys_revoked
        ));
    }
    if report.keys.skipped > 0 {
        out.push_str("Left out: DRF keys of users already here (Latchkey keeps the keys it holds).\n");
    }
    if report.outstanding.skipped + report.blacklisted.skipped > 0 {
        out.push_str("Left out: refresh tokens that have expired.\n");
    }
    let behind: Vec<String> = left_behind
        .iter()
        .filter_map(|t| t.rows.filter(|&n| n > 0).map(|n| format!("{} ({n} {})", t.name, rows(n))))
        .collect();
    if !behind.is_empty() {
        out.push_str(&format!("Not imported (no counterpart in Latchkey): {}.\n", behind.join(", ")));
    }
    out
}
