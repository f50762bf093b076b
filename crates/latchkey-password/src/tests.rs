use super::*;
use serde::Deserialize;

/// `testdata/django_vectors.json`, made by Django 5.2's `make_password` with
/// `testdata/make_vectors.py`.
#[derive(Deserialize)]
struct Vector {
    hasher: String,
    password: String,
    wrong: String,
    encoded: String,
    #[serde(default = "usable")]
    usable: bool,
    must_update: Option<bool>,
}

fn usable() -> bool {
    true
}

fn vectors() -> Vec<Vector> {
    serde_json::from_str(include_str!("../testdata/django_vectors.json")).expect("vectors")
}

fn cheap(preferred: PreferredHasher) -> DjangoHashers {
    DjangoHashers::new(preferred).expect("hashers")
}

#[test]
fn every_django_vector_verifies_and_wrong_passwords_do_not() {
    let hashers = cheap(PreferredHasher::BcryptSha256 { rounds: 4 });
    let vectors = vectors();
    for v in &vectors {
        assert_eq!(hashers.verify(&v.password, &v.encoded), v.usable, "{} {:?}", v.hasher, v.encoded);
        assert!(!hashers.verify(&v.wrong, &v.encoded), "{} wrong password {:?}", v.hasher, v.encoded);
    }
    for hasher in ["pbkdf2_sha256", "pbkdf2_sha1", "argon2", "bcrypt_sha256", "bcrypt", "scrypt", "md5"] {
        assert!(vectors.iter().any(|v| v.hasher == hasher), "no vector for {hasher}");
    }
}

#[test]
fn must_update_agrees_with_django_for_the_default_hasher_of_each_format() {
    // One instance a format: each makes (and times) a dummy hash at Django's full cost.
    let mut by_name = std::collections::HashMap::new();
    for v in vectors().iter().filter(|v| v.usable) {
        let Some(expected) = v.must_update else { continue };
        let Some(preferred) = PreferredHasher::named(&v.hasher) else { continue };
        let hashers =
            by_name.entry(v.hasher.clone()).or_insert_with(|| DjangoHashers::new(preferred).expect("hashers"));
        assert_eq!(hashers.must_update(&v.encoded), expected, "{} {:?}", v.hasher, v.encoded);
    }
}

#[test]
fn another_format_than_the_preferred_must_update() {
    let hashers = cheap(PreferredHasher::BcryptSha256 { rounds: 4 });
    for v in vectors().iter().filter(|v| v.usable && v.hasher != "bcrypt_sha256") {
        assert!(hashers.must_update(&v.encoded), "{}", v.hasher);
    }
}

#[test]
fn each_preferred_hasher_round_trips_and_is_current() {
    for preferred in [
        PreferredHasher::BcryptSha256 { rounds: 4 },
        PreferredHasher::Argon2 { time_cost: 1, memory_cost: 256, parallelism: 1 },
        PreferredHasher::Pbkdf2Sha256 { iterations: 1000 },
        PreferredHasher::Scrypt { work_factor: 1 << 10, block_size: 8, parallelism: 1 },
    ] {
        let hashers = cheap(preferred.clone());
        for password in ["", "correct horse", "pässwörd-日本", &"x".repeat(100)] {
            let encoded = hashers.hash(password).expect("hash");
            assert!(encoded.starts_with(hashers.preferred_algorithm()), "{encoded}");
            assert!(hashers.verify(password, &encoded), "{preferred:?} {password:?}");
            assert!(!hashers.verify("other", &encoded), "{preferred:?}");
            assert!(!hashers.must_update(&encoded), "{preferred:?} {encoded}");
        }
    }
}

#[test]
fn weaker_parameters_must_update() {
    let weak = cheap(PreferredHasher::Pbkdf2Sha256 { iterations: 1000 }).hash("pw").expect("hash");
    assert!(cheap(PreferredHasher::Pbkdf2Sha256 { iterations: 2000 }).must_update(&weak));
    let weak = cheap(PreferredHasher::BcryptSha256 { rounds: 4 }).hash("pw").expect("hash");
    assert!(cheap(PreferredHasher::BcryptSha256 { rounds: 5 }).must_update(&weak));
    let weak =
        cheap(PreferredHasher::Argon2 { time_cost: 1, memory_cost: 256, parallelism: 1 }).hash("pw").expect("hash");
    assert!(cheap(PreferredHasher::Argon2 { time_cost: 2, memory_cost: 256, parallelism: 1 }).must_update(&weak));
}

#[test]
fn long_passwords_are_not_truncated_by_bcrypt_sha256() {
    let hashers = cheap(PreferredHasher::BcryptSha256 { rounds: 4 });
    let a = "x".repeat(72) + "a";
    let hash = hashers.hash(&a).expect("hash");
    assert!(hashers.verify(&a, &hash));
    assert!(!hashers.verify(&("x".repeat(72) + "b"), &hash));
}

#[test]
fn unusable_unknown_and_malformed_hashes_never_match() {
    let hashers = cheap(PreferredHasher::BcryptSha256 { rounds: 4 });
    for encoded in [
        "",
        "!",
        "!abcdef",
        "nope$1$2$3",
        "pbkdf2_sha256$0$salt$hash",
        "pbkdf2_sha256$x$salt$hash",
        "pbkdf2_sha256$1000",
        "argon2$garbage",
        "bcrypt_sha256$not-bcrypt",
        "scrypt$1000$salt$8$1$hash",
        "md5$$d41d8cd98f00b204e9800998ecf8427e",
    ] {
        assert!(!hashers.verify("", encoded), "{encoded:?}");
        assert!(!hashers.verify("x", encoded), "{encoded:?}");
    }
}

#[test]
fn out_of_range_parameters_are_refused() {
    assert!(DjangoHashers::new(PreferredHasher::BcryptSha256 { rounds: 3 }).is_err());
    assert!(DjangoHashers::new(PreferredHasher::Pbkdf2Sha256 { iterations: 0 }).is_err());
    assert!(DjangoHashers::new(PreferredHasher::Scrypt { work_factor: 1000, block_size: 8, parallelism: 1 }).is_err());
    assert!(DjangoHashers::new(PreferredHasher::Argon2 { time_cost: 0, memory_cost: 8, parallelism: 1 }).is_err());
    assert!(DjangoHashers::new(PreferredHasher::BcryptSha256 { rounds: 32 }).is_err());
}

#[test]
fn names_give_djangos_defaults() {
    for name in PreferredHasher::NAMES {
        assert!(PreferredHasher::named(name).is_some(), "{name}");
    }
    assert_eq!(PreferredHasher::named("argon2").map(|p| p.memory_bytes()), Some(100 * 1024 * 1024));
    assert_eq!(PreferredHasher::named("md5"), None);
}

#[test]
fn cheap_failures_are_padded_to_the_preferred_cost_and_successes_are_not() {
    // bcrypt at cost 10 takes tens of milliseconds: an MD5 or a cost-4 bcrypt check is far
    // cheaper, a cost-10 one is not.
    let hashers = cheap(PreferredHasher::BcryptSha256 { rounds: 10 });
    hashers.prepare().expect("prepare");
    let md5 = vectors().into_iter().find(|v| v.hasher == "md5").expect("md5 vector");
    assert!(hashers.verify(&md5.password, &md5.encoded));
    assert_eq!(hashers.hardened_failures(), 0, "a success is not padded");
    assert!(!hashers.verify(&md5.wrong, &md5.encoded));
    assert_eq!(hashers.hardened_failures(), 1, "a cheap failure is padded");
    assert!(!hashers.verify("x", "!unusable"));
    assert_eq!(hashers.hardened_failures(), 2, "an unusable hash is padded");
    let weak = cheap(PreferredHasher::BcryptSha256 { rounds: 4 }).hash("pw").expect("hash");
    assert!(!hashers.verify("other", &weak));
    assert_eq!(hashers.hardened_failures(), 3, "a weaker hash of the preferred format is padded");
    let full = hashers.hash("pw").expect("hash");
    assert!(!hashers.verify("other", &full));
    assert_eq!(hashers.hardened_failures(), 3, "a failure at the preferred cost is not");
}
