#!/usr/bin/env python3
"""KooDrive (Huawei API Gateway) app-signature vectors, computed with Python's
standard library only (hmac, hashlib, urllib.parse), independently of the crate.

Written from the signing description in shared/VENDOR-NOTES.md §1.3:
  CanonicalRequest = Method \n CanonicalURI \n CanonicalQueryString \n
                     CanonicalHeaders \n SignedHeaders \n HexEncode(SHA256(body))
  (each CanonicalHeaders entry, the last one too, ends with \n: a blank line
  stands before SignedHeaders)
  StringToSign     = "HMAC-SHA256" \n HexEncode(SHA256(CanonicalRequest))
  Signature        = HexEncode(HMAC-SHA256(AppSecret, StringToSign))

Run it from the repository root to regenerate the committed output:
  python3 tests/data/koodrive_signing.py > tests/data/koodrive_signing.json
tests/koodrive_signing.rs checks the crate against that file (and, when python3
is on PATH, that the file is what this script prints).
"""

import hashlib
import hmac
import json
from urllib.parse import quote, unquote_to_bytes


def encode(raw: bytes) -> str:
    # RFC 3986 unreserved characters stay; everything else is %XY, uppercase.
    return quote(raw, safe="~")


def canonical_uri(path: str) -> str:
    segments = []
    for segment in path.split("/"):
        if segment == "..":
            if segments:
                segments.pop()
        elif segment not in ("", "."):
            segments.append(segment)
    return "/" + "".join(encode(unquote_to_bytes(s)) + "/" for s in segments)


def canonical_query(query: str) -> str:
    pairs = []
    for part in query.split("&"):
        if not part:
            continue
        name, _, value = part.partition("=")
        pairs.append((encode(unquote_to_bytes(name)), encode(unquote_to_bytes(value))))
    pairs.sort()
    return "&".join(f"{n}={v}" for n, v in pairs)


def sign(method, path, query, headers, body: bytes, secret: str):
    lowered = sorted((name.strip().lower(), value.strip(" ")) for name, value in headers)
    canonical_headers = "".join(f"{n}:{v}\n" for n, v in lowered)
    signed_headers = ";".join(n for n, _ in lowered)
    payload = hashlib.sha256(body).hexdigest()
    canonical = "\n".join(
        [
            method.strip().upper(),
            canonical_uri(path),
            canonical_query(query),
            canonical_headers,
            signed_headers,
            payload,
        ]
    )
    hashed = hashlib.sha256(canonical.encode()).hexdigest()
    string_to_sign = "HMAC-SHA256\n" + hashed
    signature = hmac.new(secret.encode(), string_to_sign.encode(), hashlib.sha256).hexdigest()
    return {
        "hashed_payload": payload,
        "canonical_request": canonical,
        "signed_headers": signed_headers,
        "string_to_sign": string_to_sign,
        "signature": signature,
    }


VECTORS = [
    {
        # The request the crate sends for the vendor page's example file, as in the
        # DERIVED vector of VENDOR-NOTES.md (tests/koodrive_signing.rs makes the
        # crate send exactly this and compares its Authorization header).
        "name": "download, the vendor page's example ids",
        "method": "POST",
        "path": "/koodrive/ose/v1/files/download",
        "query": "",
        "headers": [
            ["host", "intl.myhuaweicloud-koodrive.com"],
            ["x-date", "20240909T033325Z"],
            ["x-user-id", "1505084218764547200"],
        ],
        "body": '{"containerId":"IAADfsBFCO6WtAtuA9add2fea594e4e75b8feb8474ef236","fileIds":["Fn1bTLIOomJkTCAe9DEVBRY4U6IkuqkMZ"]}',
        "app_secret": "example-app-secret",
    },
    {
        # Every rule at once: lowercase method, dot segments, a space, UTF-8 and
        # lowercase escapes in the path; an unsorted query with an empty value, a
        # space and UTF-8; header names in mixed case and order, padded values.
        "name": "every canonicalisation rule",
        "method": "post",
        "path": "/koodrive/./ose/x/../v1/fil%c3%a9s d/%7Edl",
        "query": "b=2&F=x y&parm2&a=%e2%82%ac&a=1",
        "headers": [
            ["X-User-Id", "  42 "],
            ["Host", "127.0.0.1:8443"],
            ["X-Date", "20251231T235959Z"],
        ],
        "body": "",
        "app_secret": "s3cr\u00e9t with spaces",
    },
    {
        # The gateway's own host form with a port, a trace id signed too, a body
        # with non-ASCII text.
        "name": "four signed headers, UTF-8 body",
        "method": "POST",
        "path": "/koodrive/ose/v1/files/download/",
        "query": "",
        "headers": [
            ["x-user-id", "1505084218764547200"],
            ["x-traceid", "t_" + "a" * 56],
            ["host", "cn.myhuaweicloud-koodrive.com:443"],
            ["x-date", "20240101T000000Z"],
        ],
        "body": '{"containerId":"c","fileIds":["r\u00e9sum\u00e9.pdf"]}',
        "app_secret": "another-secret",
    },
]


def main():
    out = []
    for vector in VECTORS:
        expected = sign(
            vector["method"],
            vector["path"],
            vector["query"],
            vector["headers"],
            vector["body"].encode(),
            vector["app_secret"],
        )
        out.append({**vector, "expected": expected})
    print(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
