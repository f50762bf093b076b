//! `embed_migrations!` pulls migration files in with `include_str!`, so Cargo notices edits to
//! existing files but not a new migration directory: without this, a build could silently ship
//! without the newest migration.

fn main() {
    println!("cargo:rerun-if-changed=../../migrations");
    println!("cargo:rerun-if-changed=build.rs");
}
