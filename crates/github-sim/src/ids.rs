//! Identifier formats GitHub uses: node ids, token strings, request ids, cursors.

use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use rand::Rng;
use rand_chacha::ChaCha8Rng;

const BASE62: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

pub fn random_base62(rng: &mut ChaCha8Rng, len: usize) -> String {
    (0..len)
        .map(|_| BASE62[rng.gen_range(0..BASE62.len())] as char)
        .collect()
}

/// Classic PATs end in a base62 CRC32 of the random part; GitHub's secret
/// scanning relies on it, so a realistic token should carry a valid one.
pub fn classic_token(rng: &mut ChaCha8Rng) -> String {
    let random = random_base62(rng, 30);
    format!(
        "ghp_{random}{}",
        base62_fixed(crc32(random.as_bytes()) as u64, 6)
    )
}

pub fn fine_grained_token(rng: &mut ChaCha8Rng) -> String {
    format!(
        "github_pat_{}_{}",
        random_base62(rng, 22),
        random_base62(rng, 59)
    )
}

fn base62_fixed(mut n: u64, width: usize) -> String {
    let mut out = vec![b'0'; width];
    for slot in out.iter_mut().rev() {
        *slot = BASE62[(n % 62) as usize];
        n /= 62;
    }
    String::from_utf8(out).unwrap_or_default()
}

fn crc32(data: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &b in data {
        crc ^= b as u32;
        for _ in 0..8 {
            let mask = (crc & 1).wrapping_neg();
            crc = (crc >> 1) ^ (0xEDB8_8320 & mask);
        }
    }
    !crc
}

/// GitHub's current node ids are `<PREFIX>_` + URL-safe base64 of a MessagePack
/// array `[0, database_id]` (hence the familiar `kgDO` after the prefix).
pub fn node_id(prefix: &str, id: i64) -> String {
    let mut bytes = vec![0x92, 0x00];
    push_msgpack_uint(&mut bytes, id as u64);
    format!("{prefix}_{}", URL_SAFE_NO_PAD.encode(bytes))
}

/// The database id inside a node id made by [`node_id`].
pub fn database_id(node_id: &str) -> Option<i64> {
    let (_, encoded) = node_id.split_once('_')?;
    let bytes = URL_SAFE_NO_PAD.decode(encoded).ok()?;
    match bytes.as_slice() {
        [0x92, 0x00, 0xce, rest @ ..] if rest.len() == 4 => {
            Some(u32::from_be_bytes(rest.try_into().ok()?) as i64)
        }
        [0x92, 0x00, 0xcf, rest @ ..] if rest.len() == 8 => {
            i64::try_from(u64::from_be_bytes(rest.try_into().ok()?)).ok()
        }
        _ => None,
    }
}

/// Refs add the qualified name: `[0, repo_id, "refs/heads/main"]`.
pub fn ref_node_id(repo_id: i64, qualified: &str) -> String {
    let mut bytes = vec![0x93, 0x00];
    push_msgpack_uint(&mut bytes, repo_id as u64);
    let name = qualified.as_bytes();
    if name.len() < 32 {
        bytes.push(0xa0 | name.len() as u8);
    } else {
        bytes.push(0xd9);
        bytes.push(name.len().min(255) as u8);
    }
    bytes.extend_from_slice(&name[..name.len().min(255)]);
    format!("REF_{}", URL_SAFE_NO_PAD.encode(bytes))
}

fn push_msgpack_uint(out: &mut Vec<u8>, n: u64) {
    if n <= u32::MAX as u64 {
        out.push(0xce);
        out.extend_from_slice(&(n as u32).to_be_bytes());
    } else {
        out.push(0xcf);
        out.extend_from_slice(&n.to_be_bytes());
    }
}

/// Connection cursors look like GitHub's: base64 of `cursor:v2:` + MessagePack
/// of the last item's sort key (here the repository's database id).
pub fn encode_cursor(id: i64) -> String {
    let mut bytes = b"cursor:v2:".to_vec();
    bytes.push(0x91);
    push_msgpack_uint(&mut bytes, id as u64);
    STANDARD.encode(bytes)
}

pub fn decode_cursor(cursor: &str) -> Option<i64> {
    let bytes = STANDARD.decode(cursor).ok()?;
    let rest = bytes.strip_prefix(b"cursor:v2:")?;
    let rest = rest.strip_prefix(&[0x91])?;
    match rest.split_first()? {
        (0xce, tail) if tail.len() == 4 => Some(u32::from_be_bytes(tail.try_into().ok()?) as i64),
        (0xcf, tail) if tail.len() == 8 => {
            i64::try_from(u64::from_be_bytes(tail.try_into().ok()?)).ok()
        }
        _ => None,
    }
}

/// A cheap, well-mixed 64-bit hash, so request ids look random yet stay
/// reproducible for a given seed.
pub fn splitmix64(mut x: u64) -> u64 {
    x = x.wrapping_add(0x9E37_79B9_7F4A_7C15);
    x = (x ^ (x >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^ (x >> 31)
}

/// `C0DE:1A2B3C:4D5E6F7:7A8B9C0:65F0A1B2`, the shape of GitHub's request ids.
pub fn request_id(seed: u64, counter: u64) -> String {
    let a = splitmix64(seed ^ counter.wrapping_mul(0x2545_F491_4F6C_DD1D));
    let b = splitmix64(a);
    format!(
        "{:04X}:{:06X}:{:07X}:{:07X}:{:08X}",
        a & 0xFFFF,
        (a >> 16) & 0xFF_FFFF,
        b & 0xFFF_FFFF,
        (b >> 28) & 0xFFF_FFFF,
        (a >> 40) as u32 ^ (counter as u32),
    )
}

/// Opaque value for SSO authorization URLs.
pub fn opaque(seed: u64, counter: u64) -> String {
    let mut bytes = Vec::with_capacity(24);
    let mut x = seed ^ counter.rotate_left(17);
    for _ in 0..3 {
        x = splitmix64(x);
        bytes.extend_from_slice(&x.to_be_bytes());
    }
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn node_ids_look_like_githubs() {
        let id = node_id("R", 123_456_789);
        assert!(id.starts_with("R_kgDO"), "{id}");
        assert_eq!(id.len(), "R_".len() + 10);
        assert!(ref_node_id(5, "refs/heads/main").starts_with("REF_kwDO"));
        assert_eq!(database_id(&id), Some(123_456_789));
        assert_eq!(database_id("MDQ6VXNlcjE="), None);
    }

    #[test]
    fn cursor_round_trips() {
        assert_eq!(
            decode_cursor(&encode_cursor(987_654_321)),
            Some(987_654_321)
        );
        assert_eq!(decode_cursor("not a cursor"), None);
        assert_eq!(decode_cursor(""), None);
    }

    #[test]
    fn crc32_matches_reference() {
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
    }
}
