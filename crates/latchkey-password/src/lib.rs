//! Password hashing in every format Django 5.2 writes, behind
//! [`latchkey_domain::PasswordHasher`], so that users move from a Django project with their
//! passwords: `pbkdf2_sha256` (Django's default), `pbkdf2_sha1`, `argon2` (argon2id, and the
//! argon2i of older Django versions), `bcrypt_sha256`, `bcrypt`, `scrypt` and salted `md5`.
//! Unusable passwords (Django's `!…`) never match.
//!
//! [`DjangoHashers`] is Django's `PASSWORD_HASHERS`: new passwords are hashed with the
//! [`PreferredHasher`], every format verifies, and [`must_update`] says when a stored hash is
//! in another format or was made with other parameters (Django's `must_update`), so a caller
//! can re-hash it after a successful login. The key derivations are the RustCrypto crates'
//! (`pbkdf2`, `argon2`, `scrypt`, `md-5`) and `bcrypt`; only Django's encodings are written
//! here. The test vectors in `testdata/` were made by Django's own `make_password`.
//!
//! [`must_update`]: latchkey_domain::PasswordHasher::must_update
//!
//! ```
//! use latchkey_domain::PasswordHasher;
//! use latchkey_password::{DjangoHashers, PreferredHasher};
//!
//! let hashers = DjangoHashers::new(PreferredHasher::BcryptSha256 { rounds: 4 })?;
//! let encoded = hashers.hash("correct horse")?;
//! assert!(encoded.starts_with("bcrypt_sha256$$2b$04$"));
//! assert!(hashers.verify("correct horse", &encoded));
//! // A hash Django made with its default hasher verifies, and asks to be re-hashed.
//! // (made by Django 5.2's make_password: testdata/django_vectors.json)
//! let django = "pbkdf2_sha256$1000000$LojETz6tBSyMdaI1RY7dP1$6oogyI6WtzJmhsyHmaI4rm24iaa0grpmQ8aMOWJ1lCQ=";
//! assert!(hashers.verify("hunter2-Secret", django));
//! assert!(hashers.must_update(django));
//! # Ok::<(), latchkey_domain::PasswordError>(())
//! ```

mod argon2;
mod bcrypt;
mod format;
mod md5;
mod pbkdf2;
mod scrypt;

pub use crate::argon2::{DEFAULT_ARGON2_MEMORY_COST, DEFAULT_ARGON2_PARALLELISM, DEFAULT_ARGON2_TIME_COST};
pub use crate::bcrypt::DEFAULT_BCRYPT_ROUNDS;
pub use crate::pbkdf2::DEFAULT_PBKDF2_ITERATIONS;
pub use crate::scrypt::{DEFAULT_SCRYPT_BLOCK_SIZE, DEFAULT_SCRYPT_PARALLELISM, DEFAULT_SCRYPT_WORK_FACTOR};

use crate::argon2::Argon2Hasher;
use crate::bcrypt::{Bcrypt, Input};
use crate::format::Format;
use crate::md5::SaltedMd5;
use crate::pbkdf2::{Digest, Pbkdf2};
use crate::scrypt::Scrypt;
use latchkey_domain::{PasswordError, PasswordHasher};
use std::fmt;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

/// What new and changed passwords are hashed with (`LATCHKEY_PASSWORD_HASHER`), with its
/// parameters. [`PreferredHasher::named`] gives Django 5.2's defaults.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreferredHasher {
    BcryptSha256 { rounds: u32 },
    Argon2 { time_cost: u32, memory_cost: u32, parallelism: u32 },
    Pbkdf2Sha256 { iterations: u32 },
    Scrypt { work_factor: u64, block_size: u32, parallelism: u32 },
}

impl PreferredHasher {
    /// The names `LATCHKEY_PASSWORD_HASHER` accepts.
    pub const NAMES: [&'static str; 4] = ["bcrypt_sha256", "argon2", "pbkdf2_sha256", "scrypt"];

    /// The hasher Django calls `name`, with Django 5.2's default parameters.
    pub fn named(name: &str) -> Option<Self> {
        Some(match name {
            "bcrypt_sha256" => PreferredHasher::BcryptSha256 { rounds: DEFAULT_BCRYPT_ROUNDS },
            "argon2" => PreferredHasher::Argon2 {
                time_cost: DEFAULT_ARGON2_TIME_COST,
                memory_cost: DEFAULT_ARGON2_MEMORY_COST,
                parallelism: DEFAULT_ARGON2_PARALLELISM,
            },
            "pbkdf2_sha256" => PreferredHasher::Pbkdf2Sha256 { iterations: DEFAULT_PBKDF2_ITERATIONS },
            "scrypt" => PreferredHasher::Scrypt {
                work_factor: DEFAULT_SCRYPT_WORK_FACTOR,
                block_size: DEFAULT_SCRYPT_BLOCK_SIZE,
                parallelism: DEFAULT_SCRYPT_PARALLELISM,
            },
            _ => return None,
        })
    }

    /// The memory one hash or verification at these parameters takes, in bytes, for bounding
    /// what concurrent verifications can use (argon2's `m` KiB, scrypt's `128 · N · r`).
    pub fn memory_bytes(&self) -> u64 {
        match *self {
            PreferredHasher::Argon2 { memory_cost, .. } => u64::from(memory_cost) * 1024,
            PreferredHasher::Scrypt { work_factor, block_size, .. } => 128 * work_factor * u64::from(block_size),
            PreferredHasher::BcryptSha256 { .. } | PreferredHasher::Pbkdf2Sha256 { .. } => 4096,
        }
    }

    fn format(&self) -> Result<Box<dyn Format>, PasswordError> {
        Ok(match *self {
            PreferredHasher::BcryptSha256 { rounds } => {
                if !(4..=31).contains(&rounds) {
                    return Err(PasswordError::Parameters(format!("bcrypt cost {rounds} is outside 4..=31")));
                }
                Box::new(Bcrypt { input: Input::Sha256, cost: rounds })
            }
            PreferredHasher::Argon2 { time_cost, memory_cost, parallelism } => {
                Box::new(Argon2Hasher { time_cost, memory_cost, parallelism }.checked()?)
            }
            PreferredHasher::Pbkdf2Sha256 { iterations } => {
                if iterations == 0 {
                    return Err(PasswordError::Parameters("pbkdf2 iterations must be positive".into()));
                }
                Box::new(Pbkdf2 { digest: Digest::Sha256, iterations })
            }
            PreferredHasher::Scrypt { work_factor, block_size, parallelism } => {
                Box::new(Scrypt { work_factor, block_size, parallelism }.checked()?)
            }
        })
    }
}

/// Django's `PASSWORD_HASHERS`: the preferred hasher first, then every format Django 5.2
/// writes, for verifying.
pub struct DjangoHashers {
    preferred: Box<dyn Format>,
    readers: Vec<Box<dyn Format>>,
    /// Made by [`DjangoHashers::prepare`] (a server calls it at start) or on first need.
    timing: OnceLock<Timing>,
    /// Failed checks that were padded with a dummy verification (see `verify`).
    hardened: AtomicU64,
}

/// A hash of a fixed password in the preferred format: a login for an unknown user, or one
/// whose hash is unusable or unknown, verifies against it, so it costs what a wrong password
/// costs (Django #20760); and how long verifying it took, what a wrong password costs at the
/// preferred hasher.
struct Timing {
    dummy: String,
    reference: Duration,
}

impl fmt::Debug for DjangoHashers {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DjangoHashers").field("preferred", &self.preferred.algorithm()).finish_non_exhaustive()
    }
}

impl DjangoHashers {
    /// Refuses parameters the derivation cannot use. Cheap: the dummy hash is made by
    /// [`prepare`](Self::prepare).
    pub fn new(preferred: PreferredHasher) -> Result<Self, PasswordError> {
        let preferred = preferred.format()?;
        // Readers take their parameters from the encoding; these values matter only for
        // `must_update`, which is asked of the preferred hasher alone.
        let readers: Vec<Box<dyn Format>> = vec![
            Box::new(Pbkdf2 { digest: Digest::Sha256, iterations: DEFAULT_PBKDF2_ITERATIONS }),
            Box::new(Pbkdf2 { digest: Digest::Sha1, iterations: DEFAULT_PBKDF2_ITERATIONS }),
            Box::new(Argon2Hasher {
                time_cost: DEFAULT_ARGON2_TIME_COST,
                memory_cost: DEFAULT_ARGON2_MEMORY_COST,
                parallelism: DEFAULT_ARGON2_PARALLELISM,
            }),
            Box::new(Bcrypt { input: Input::Sha256, cost: DEFAULT_BCRYPT_ROUNDS }),
            Box::new(Bcrypt { input: Input::Raw, cost: DEFAULT_BCRYPT_ROUNDS }),
            Box::new(Scrypt {
                work_factor: DEFAULT_SCRYPT_WORK_FACTOR,
                block_size: DEFAULT_SCRYPT_BLOCK_SIZE,
                parallelism: DEFAULT_SCRYPT_PARALLELISM,
            }),
            Box::new(SaltedMd5),
        ];
        Ok(Self { preferred, readers, timing: OnceLock::new(), hardened: AtomicU64::new(0) })
    }

    /// Hashes the dummy password and times one wrong verification at the preferred hasher: one
    /// hash and one check at full cost. A server calls it at start, so that the first unknown
    /// username costs no more than the next; commands that never check a password skip it.
    pub fn prepare(&self) -> Result<(), PasswordError> {
        if self.timing.get().is_none() {
            // Two threads may both measure; either result serves.
            let _ = self.timing.set(self.measure()?);
        }
        Ok(())
    }

    fn measure(&self) -> Result<Timing, PasswordError> {
        let dummy = self.preferred.encode("latchkey-timing-parity")?;
        let started = Instant::now();
        let _ = self.preferred.verify("not the dummy password", &dummy);
        Ok(Timing { dummy, reference: started.elapsed() })
    }

    /// The prepared timing, made now if [`prepare`](Self::prepare) was not called. `None` only
    /// if hashing the dummy failed, which the preferred hasher's checked parameters rule out.
    fn timing(&self) -> Option<&Timing> {
        if self.timing.get().is_none() {
            let _ = self.prepare();
        }
        self.timing.get()
    }

    /// How many failed checks were padded with a dummy verification because they were much
    /// cheaper than a wrong password at the preferred hasher.
    pub fn hardened_failures(&self) -> u64 {
        self.hardened.load(Ordering::Relaxed)
    }

    /// The preferred hasher's Django name.
    pub fn preferred_algorithm(&self) -> &'static str {
        self.preferred.algorithm()
    }

    /// The format of `encoded` that can verify it, or `None` (unusable, unknown, empty).
    fn reader(&self, encoded: &str) -> Option<&dyn Format> {
        if encoded.starts_with('!') {
            return None;
        }
        let algorithm = encoded.split('$').next()?;
        self.readers.iter().find(|f| f.algorithm() == algorithm).map(|f| f.as_ref())
    }
}

impl PasswordHasher for DjangoHashers {
    fn hash(&self, password: &str) -> Result<String, PasswordError> {
        self.preferred.encode(password)
    }

    /// Every failure costs at least about a wrong password at the preferred hasher (Django's
    /// `harden_runtime`, done by time rather than per algorithm): a check that failed in
    /// under half the start-up reference (a salted MD5, fewer PBKDF2 iterations, a lower
    /// bcrypt cost) is followed by a dummy verification, so the time of a failed login says
    /// neither whether the user exists nor in which format their hash is. Successful checks
    /// are not padded: whoever sends the right password learns nothing from the time.
    fn verify(&self, password: &str, encoded: &str) -> bool {
        let started = Instant::now();
        let format = if encoded.split('$').next() == Some(self.preferred.algorithm()) {
            Some(self.preferred.as_ref())
        } else {
            self.reader(encoded)
        };
        let matched = format.is_some_and(|format| format.verify(password, encoded));
        if !matched
            && let Some(timing) = self.timing()
            && started.elapsed() < timing.reference / 2
        {
            self.hardened.fetch_add(1, Ordering::Relaxed);
            let _ = self.preferred.verify(password, &timing.dummy);
        }
        matched
    }

    fn verify_dummy(&self, password: &str) {
        if let Some(timing) = self.timing() {
            let _ = self.preferred.verify(password, &timing.dummy);
        }
    }

    fn must_update(&self, encoded: &str) -> bool {
        encoded.split('$').next() != Some(self.preferred.algorithm()) || self.preferred.must_update(encoded)
    }
}

#[cfg(test)]
mod tests;
