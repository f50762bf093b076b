//! Python's `base64.b64decode` (CPython 3.11's `binascii.a2b_base64`, not strict), which
//! Django applies to parts sent with `Content-Transfer-Encoding: base64`.
//!
//! Kept by hand: the `base64` crate refuses what Python accepts (padding followed by more
//! data, `=` inside a quad, non-zero trailing bits, characters outside the alphabet), and
//! no configuration or pre-filtering of its input gives Python's results: measured, it
//! fails `YQ==YQ==`, `Y=Q==`, `YQ==x` and `YR==`, which Python all reads as `a`.

/// `base64.b64decode(input)`: characters outside the alphabet are skipped, and decoding
/// stops at the first padding that completes a quad; `None` where Python raises
/// `binascii.Error` (a quad left incomplete: "Incorrect padding").
pub(super) fn b64decode(input: &[u8]) -> Option<Vec<u8>> {
    let value = |c: u8| match c {
        b'A'..=b'Z' => Some(c - b'A'),
        b'a'..=b'z' => Some(c - b'a' + 26),
        b'0'..=b'9' => Some(c - b'0' + 52),
        b'+' => Some(62),
        b'/' => Some(63),
        _ => None,
    };
    let mut out = Vec::with_capacity(input.len() / 4 * 3);
    let (mut quad, mut left, mut pads) = (0_u8, 0_u32, 0_u8);
    for &c in input {
        if c == b'=' {
            // `=` counts only once two characters of the quad are in; it ends the data
            // when it completes the quad, and is skipped otherwise.
            if quad >= 2 {
                pads += 1;
                if quad + pads >= 4 {
                    return Some(out);
                }
            }
            continue;
        }
        let Some(v) = value(c) else { continue };
        let v = u32::from(v);
        // A data character cancels the padding seen so far, as in CPython.
        pads = 0;
        match quad {
            0 => {}
            1 => out.push(((left << 2) | (v >> 4)) as u8),
            2 => out.push((((left & 0x0f) << 4) | (v >> 2)) as u8),
            _ => out.push((((left & 0x03) << 6) | v) as u8),
        }
        left = v;
        quad = (quad + 1) % 4;
    }
    (quad == 0).then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    // Expected values are CPython 3.11.7's `base64.b64decode`.
    #[test]
    fn decodes_like_python() {
        assert_eq!(b64decode(b"YWxpY2U"), None);
        assert_eq!(b64decode(b"YQ==YQ=="), Some(b"a".to_vec()));
        let cases: &[(&[u8], Option<&[u8]>)] = &[
            (b"YWxp\r\nY2U=", Some(b"alice")),
            (b"YWxpY2U=", Some(b"alice")),
            (b"Y W x p", Some(b"ali")),
            (b"YQ=", None),
            (b"YR==", Some(b"a")),
            (b"Y=Q==", Some(b"a")),
            (b"YQ==x", Some(b"a")),
            (b"!YQ==", Some(b"a")),
            (b"QQ=QQQQ=", None),
            (b"QQ=QQQQ==", Some(b"A\x04\x10A")),
            (b"", Some(b"")),
            (b"!!!!", Some(b"")),
            (b"Y", None),
        ];
        for (input, expected) in cases {
            assert_eq!(b64decode(input).as_deref(), *expected, "{:?}", String::from_utf8_lossy(input));
        }
    }
}
