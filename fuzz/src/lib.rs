//! Input splitting of the fuzz targets. The checks (and [`Parts`]) are in
//! `tests/fuzz_support/mod.rs`, shared with the bounded fuzz test
//! `tests/decode_fuzz.rs` of the main crate.

#[path = "../../tests/fuzz_support/mod.rs"]
mod fuzz_support;

pub use fuzz_support::*;

const STATUSES: [u16; 16] = [
    200, 200, 201, 204, 302, 307, 400, 401, 403, 404, 422, 429, 500, 502, 503, 0,
];

impl Parts {
    /// A reply built from fuzz input: byte 0 picks the status, byte 1 the headers;
    /// when any header is on, the first line of the rest is its value and the body
    /// follows the line.
    pub fn new(data: &[u8]) -> Parts {
        let (Some(&pick), Some(&flags)) = (data.first(), data.get(1)) else {
            return Parts {
                status: 200,
                headers: Vec::new(),
                body: data.to_vec(),
            };
        };
        let rest = &data[2..];
        let status = match STATUSES[usize::from(pick & 15)] {
            0 => 100 + u16::from(pick) * 2,
            s => s,
        };
        let mut headers = Vec::new();
        let mut body = rest;
        if flags & 15 != 0 {
            let cut = rest.iter().position(|&b| b == b'\n').unwrap_or(rest.len());
            let value = String::from_utf8_lossy(&rest[..cut]).into_owned();
            body = rest.get(cut + 1..).unwrap_or(&[]);
            for (bit, name) in [
                (1, "retry-after"),
                (2, "location"),
                (4, "x-request-id"),
                (8, "content-type"),
            ] {
                if flags & bit != 0 {
                    headers.push((name, value.clone()));
                }
            }
        }
        Parts {
            status,
            headers,
            body: body.to_vec(),
        }
    }
}
