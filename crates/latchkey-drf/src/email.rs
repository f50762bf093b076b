//! Django's `EmailValidator`, which DRF's `EmailField` runs.

/// `EmailField`'s `invalid` message, which is also the validator's.
pub const EMAIL_INVALID: &str = "Enter a valid email address.";
/// The `max_length` of Django's `User.email`, which a `ModelSerializer` gives the field.
pub const EMAIL_MAX_LENGTH: usize = 254;

/// Django's `EmailValidator` refuses longer addresses (RFC 3696), whatever the field's length.
const EMAIL_VALIDATOR_MAX_LENGTH: usize = 320;

/// Django's `EmailValidator`, reduced to the rules that decide real inputs: one `@`, a
/// dot-atom local part (or a quoted one), and a domain of dot-separated labels whose last
/// label is alphabetic, or a bracketed IP literal.
pub fn is_valid_email(email: &str) -> bool {
    let Some((local, domain)) = email.rsplit_once('@') else {
        return false;
    };
    valid_email_local(local) && valid_email_domain(domain)
}

/// Django's `EmailValidator` as `EmailField` runs it: [`is_valid_email`]'s checks, plus its two
/// extra rules: at most 320 characters, and `localhost` accepted as a domain
/// (`domain_allowlist`).
pub(crate) fn is_django_email(value: &str) -> bool {
    if value.chars().count() > EMAIL_VALIDATOR_MAX_LENGTH {
        return false;
    }
    match value.rsplit_once('@') {
        // The local part is checked on its own by pairing it with a domain that passes.
        Some((local, "localhost")) => is_valid_email(&format!("{local}@example.com")),
        _ => is_valid_email(value),
    }
}

fn valid_email_local(local: &str) -> bool {
    const ATOM_EXTRA: &str = "!#$%&'*+/=?^_`{|}~-";
    if local.is_empty() {
        return false;
    }
    if local.len() >= 2 && local.starts_with('"') && local.ends_with('"') {
        let inner = &local[1..local.len() - 1];
        return inner.chars().all(|c| c.is_ascii() && c != '\r' && c != '\n');
    }
    local
        .split('.')
        .all(|atom| !atom.is_empty() && atom.chars().all(|c| c.is_ascii_alphanumeric() || ATOM_EXTRA.contains(c)))
}

fn valid_email_domain(domain: &str) -> bool {
    if let Some(literal) = domain.strip_prefix('[').and_then(|d| d.strip_suffix(']')) {
        return literal.parse::<std::net::IpAddr>().is_ok()
            || literal.strip_prefix("IPv6:").is_some_and(|v6| v6.parse::<std::net::Ipv6Addr>().is_ok());
    }
    let domain = domain.strip_suffix('.').unwrap_or(domain);
    let labels: Vec<&str> = domain.split('.').collect();
    if labels.len() < 2 {
        return false;
    }
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && !l.starts_with('-')
            && !l.ends_with('-')
            && l.chars().all(|c| c.is_alphanumeric() || c == '-')
    };
    let Some(tld) = labels.last() else { return false };
    labels.iter().all(|l| label_ok(l))
        && (tld.chars().all(|c| c.is_alphabetic()) && tld.chars().count() >= 2
            || tld.starts_with("xn--") && tld.len() > 4)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn emails_follow_django() {
        for ok in ["a@example.com", "first.last+tag@sub.example.org", "x@[127.0.0.1]"] {
            assert!(is_valid_email(ok), "{ok}");
        }
        for bad in
            ["", "plain", "a@b", "@example.com", "a@.com", "a..b@example.com", "a@example.c0m", "a b@example.com"]
        {
            assert!(!is_valid_email(bad), "{bad}");
        }
    }
}
