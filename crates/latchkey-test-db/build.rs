//! Fingerprints `migrations/postgres` (every file's path and content, FNV-1a) so the template
//! database is named after the migrations it holds: a changed or added migration gets a new
//! template instead of clones of a stale one, also on a server that outlives the test run.

use std::path::{Path, PathBuf};

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../migrations/postgres");
    // A directory here makes Cargo rerun this script when anything under it changes.
    println!("cargo:rerun-if-changed={}", dir.display());
    println!("cargo:rerun-if-changed=build.rs");
    let mut files = Vec::new();
    collect(&dir, &mut files);
    files.sort();
    let mut hash = Fnv1a::new();
    for file in &files {
        let relative = file.strip_prefix(&dir).unwrap_or(file);
        hash.write(relative.to_string_lossy().as_bytes());
        hash.write(&[0]);
        match std::fs::read(file) {
            Ok(content) => hash.write(&content),
            Err(err) => panic!("cannot read migration file {}: {err}", file.display()),
        }
        hash.write(&[0]);
    }
    println!("cargo:rustc-env=LATCHKEY_TEST_DB_MIGRATIONS_HASH={:016x}", hash.0);
}

fn collect(dir: &Path, files: &mut Vec<PathBuf>) {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(err) => panic!("cannot list the migrations in {}: {err}", dir.display()),
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if entry.file_name().to_string_lossy().starts_with('.') {
            continue;
        }
        if path.is_dir() {
            collect(&path, files);
        } else {
            files.push(path);
        }
    }
}

/// FNV-1a, 64 bits: stable across Rust releases, unlike `DefaultHasher`, so binaries built by
/// different toolchains agree on the template's name.
struct Fnv1a(u64);

impl Fnv1a {
    fn new() -> Self {
        Fnv1a(0xcbf2_9ce4_8422_2325)
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u64::from(*byte);
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
}
