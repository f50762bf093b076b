//! Running wrk and reading its report.

use anyhow::{Context as _, anyhow, bail};
use std::path::Path;
use std::process::Command;

/// One wrk run: what it was asked and what it measured.
#[derive(Debug, Clone, Default)]
pub struct Measurement {
    pub requests_per_sec: f64,
    pub p50_ms: f64,
    pub p99_ms: f64,
    pub non_2xx: u64,
    pub socket_errors: u64,
}

pub struct Load<'a> {
    pub url: &'a str,
    pub script: &'a Path,
    pub threads: u32,
    pub connections: u32,
    pub seconds: u32,
}

pub fn ensure_installed() -> anyhow::Result<()> {
    if Command::new("wrk").arg("--version").output().is_ok() {
        return Ok(());
    }
    eprintln!("bench: wrk is missing; installing it with apt-get");
    let status = Command::new("sh")
        .args(["-c", "apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk"])
        .status()
        .context("cannot run apt-get")?;
    if !status.success() || Command::new("wrk").arg("--version").output().is_err() {
        bail!("wrk is not installed and apt-get could not install it (apt-get install wrk)");
    }
    Ok(())
}

pub fn run(load: &Load<'_>) -> anyhow::Result<Measurement> {
    let output = Command::new("wrk")
        .arg(format!("-t{}", load.threads.min(load.connections).max(1)))
        .arg(format!("-c{}", load.connections))
        .arg(format!("-d{}s", load.seconds))
        .arg("--timeout")
        .arg("10s")
        .arg("--latency")
        .arg("-s")
        .arg(load.script)
        .arg(load.url)
        .output()
        .context("cannot run wrk")?;
    let text = String::from_utf8_lossy(&output.stdout);
    if !output.status.success() {
        bail!("wrk failed: {}{}", text, String::from_utf8_lossy(&output.stderr));
    }
    parse(&text).ok_or_else(|| anyhow!("cannot read wrk's report:\n{text}"))
}

/// Reads `Requests/sec:`, the 50% and 99% lines of `--latency`, and error counts.
pub fn parse(report: &str) -> Option<Measurement> {
    let mut m = Measurement::default();
    let mut saw_rate = false;
    for line in report.lines().map(str::trim) {
        if let Some(rest) = line.strip_prefix("Requests/sec:") {
            m.requests_per_sec = rest.trim().parse().ok()?;
            saw_rate = true;
        } else if let Some(rest) = line.strip_prefix("50%") {
            m.p50_ms = duration_ms(rest.trim())?;
        } else if let Some(rest) = line.strip_prefix("99%") {
            m.p99_ms = duration_ms(rest.trim())?;
        } else if let Some(rest) = line.strip_prefix("Non-2xx or 3xx responses:") {
            m.non_2xx = rest.trim().parse().unwrap_or(0);
        } else if let Some(rest) = line.strip_prefix("Socket errors:") {
            m.socket_errors = rest
                .split(',')
                .filter_map(|part| part.split_whitespace().last())
                .filter_map(|n| n.parse::<u64>().ok())
                .sum();
        }
    }
    saw_rate.then_some(m)
}

fn duration_ms(text: &str) -> Option<f64> {
    let split = text.find(|c: char| c.is_ascii_alphabetic())?;
    let (number, unit) = text.split_at(split);
    let value: f64 = number.trim().parse().ok()?;
    Some(match unit.trim() {
        "us" => value / 1000.0,
        "ms" => value,
        "s" => value * 1000.0,
        "m" => value * 60_000.0,
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_a_wrk_report() {
        let report = "Running 10s test @ http://127.0.0.1:8000/\n  2 threads and 64 connections\n  Latency Distribution\n     50%  412.00us\n     75%  600.00us\n     90%    1.20ms\n     99%    3.51ms\n  812345 requests in 10.00s, 120.00MB read\n  Socket errors: connect 0, read 2, write 0, timeout 1\n  Non-2xx or 3xx responses: 7\nRequests/sec:  81234.56\nTransfer/sec:     12.00MB\n";
        let m = parse(report).expect("parsed");
        assert!((m.requests_per_sec - 81234.56).abs() < 1e-6);
        assert!((m.p50_ms - 0.412).abs() < 1e-9);
        assert!((m.p99_ms - 3.51).abs() < 1e-9);
        assert_eq!(m.non_2xx, 7);
        assert_eq!(m.socket_errors, 3);
    }

    #[test]
    fn refuses_garbage() {
        assert!(parse("nothing here").is_none());
    }
}
