//! The HTTP layer: schemes, spacing, duplicates, bytes outside visible ASCII, cookies and headers.

use super::forge::*;
use super::setup::*;
use super::table::*;

pub(crate) fn cases() -> Vec<Case> {
    let valid = hs(&claims(""));
    let v = valid.as_bytes();
    let auth = |value: &[u8]| vec![("authorization", value.to_vec())];
    let join = |a: &[u8], b: &[u8]| [a, b].concat();
    let plain = hs(r#"{"sub":"x","exp":1800000000}"#);
    let p = plain.as_bytes();
    vec![
        raw("no header", App::Api, vec![], Missing),
        raw("empty Authorization", App::Api, auth(b""), Missing),
        raw("spaces only", App::Api, auth(b"   "), Missing),
        raw("Basic", App::Api, auth(b"Basic YWxpY2U6c2VjcmV0"), Missing),
        raw(
            "Digest",
            App::Api,
            auth(b"Digest username=\"alice\""),
            Missing,
        ),
        raw(
            "DPoP scheme with a valid token",
            App::Api,
            auth(&join(b"DPoP ", v)),
            Missing,
        ),
        raw("Token scheme", App::Api, auth(&join(b"Token ", v)), Missing),
        raw(
            "Bearer: with a colon",
            App::Api,
            auth(&join(b"Bearer: ", v)),
            Missing,
        ),
        raw(
            "Bearer glued to the token",
            App::Api,
            auth(&join(b"Bearer", v)),
            Missing,
        ),
        raw("Bearer alone", App::Api, auth(b"Bearer"), BadRequest),
        raw(
            "Bearer and spaces",
            App::Api,
            auth(b"Bearer    "),
            BadRequest,
        ),
        raw("Bearer and a tab", App::Api, auth(b"Bearer\t"), BadRequest),
        raw(
            "bearer lower case",
            App::Api,
            auth(&join(b"bearer ", v)),
            ALICE,
        ),
        raw(
            "BEARER upper case",
            App::Api,
            auth(&join(b"BEARER ", v)),
            ALICE,
        ),
        // RFC 6750 §2.1 and RFC 9110 §11.4: only spaces between the scheme
        // and the token, so a proxy and claimguard agree on the credentials.
        raw(
            "Bearer, tab separator",
            App::Api,
            auth(&join(b"Bearer\t", v)),
            BadRequest,
        ),
        raw(
            "Bearer, space then tab",
            App::Api,
            auth(&join(b"Bearer \t", v)),
            BadRequest,
        ),
        raw(
            "Bearer, tab then spaces",
            App::Api,
            auth(&join(b"Bearer\t  ", v)),
            BadRequest,
        ),
        raw(
            "Bearer, many spaces",
            App::Api,
            auth(&join(b"Bearer     ", v)),
            ALICE,
        ),
        raw(
            "leading tab and trailing spaces",
            App::Api,
            auth(&[b"\tBearer ", v, b"  "].concat()),
            ALICE,
        ),
        raw(
            "two tokens in one header",
            App::Api,
            auth(&[b"Bearer ", v, b" ", v].concat()),
            Token(MALFORMED),
        ),
        raw(
            "token, comma, token",
            App::Api,
            auth(&[b"Bearer ", v, b",", v].concat()),
            Token(MALFORMED),
        ),
        raw(
            "Authorization twice, same token",
            App::Api,
            vec![
                ("authorization", join(b"Bearer ", v)),
                ("authorization", join(b"Bearer ", v)),
            ],
            BadRequest,
        ),
        raw(
            "Authorization twice, Basic then Bearer",
            App::Api,
            vec![
                ("authorization", b"Basic YTpi".to_vec()),
                ("authorization", join(b"Bearer ", v)),
            ],
            BadRequest,
        ),
        raw(
            "Authorization twice, one empty",
            App::Api,
            vec![
                ("authorization", join(b"Bearer ", v)),
                ("authorization", Vec::new()),
            ],
            BadRequest,
        ),
        raw(
            "non-ASCII byte in the token",
            App::Api,
            auth(&[b"Bearer ", v, b"\xe9"].concat()),
            BadRequest,
        ),
        raw(
            "UTF-8 in the token",
            App::Api,
            auth("Bearer é.é.é".as_bytes()),
            BadRequest,
        ),
        raw(
            "obs-text in the scheme",
            App::Api,
            auth(&join(b"Bear\xe9r ", v)),
            BadRequest,
        ),
        raw("0x80 alone", App::Api, auth(b"Bearer \x80"), BadRequest),
        raw(
            "non-ASCII under another scheme",
            App::Api,
            auth(b"Basic \xff"),
            BadRequest,
        ),
        Case {
            uri: "/?access_token=x",
            ..raw("token in the query string only", App::Api, vec![], Missing)
        },
        raw(
            "bearer ignored by a cookie source",
            App::Cookie,
            auth(&join(b"Bearer ", p)),
            Missing,
        ),
        raw(
            "cookie",
            App::Cookie,
            vec![("cookie", join(b"session=", p))],
            OK,
        ),
        raw(
            "cookie among others",
            App::Cookie,
            vec![("cookie", [b"a=1; session=", p, b"; b=2"].concat())],
            OK,
        ),
        raw(
            "cookie quoted",
            App::Cookie,
            vec![("cookie", [b"session=\"", p, b"\""].concat())],
            OK,
        ),
        raw(
            "cookie name in another case",
            App::Cookie,
            vec![("cookie", join(b"Session=", p))],
            Missing,
        ),
        // RFC 6265 §4.2.1: the name exactly, the value cookie-octets only.
        raw(
            "cookie name with a space before =",
            App::Cookie,
            vec![("cookie", join(b"session =", p))],
            Missing,
        ),
        raw(
            "cookie name after a tab",
            App::Cookie,
            vec![("cookie", [b"a=1;\tsession=", p].concat())],
            Missing,
        ),
        raw(
            "cookie value after a space",
            App::Cookie,
            vec![("cookie", join(b"session= ", p))],
            BadRequest,
        ),
        raw(
            "cookie value with a comma",
            App::Cookie,
            vec![("cookie", [b"session=", p, b",x"].concat())],
            BadRequest,
        ),
        raw(
            "cookie empty",
            App::Cookie,
            vec![("cookie", b"session=".to_vec())],
            BadRequest,
        ),
        raw(
            "cookie twice in one header",
            App::Cookie,
            vec![("cookie", [b"session=", p, b"; session=", p].concat())],
            BadRequest,
        ),
        raw(
            "cookie twice across headers",
            App::Cookie,
            vec![
                ("cookie", join(b"session=", p)),
                ("cookie", join(b"session=", p)),
            ],
            BadRequest,
        ),
        raw(
            "cookie garbage",
            App::Cookie,
            vec![("cookie", b"session=not-a-token".to_vec())],
            Token(MALFORMED),
        ),
        raw(
            "cookie non-ASCII",
            App::Cookie,
            vec![("cookie", b"session=\xff".to_vec())],
            BadRequest,
        ),
        raw(
            "cookie valid and bearer invalid",
            App::Cookie,
            vec![
                ("cookie", join(b"session=", p)),
                ("authorization", b"Bearer x.y.z".to_vec()),
            ],
            OK,
        ),
        raw(
            "custom header",
            App::Header,
            vec![("x-token", p.to_vec())],
            OK,
        ),
        raw(
            "custom header empty",
            App::Header,
            vec![("x-token", Vec::new())],
            BadRequest,
        ),
        raw(
            "custom header twice",
            App::Header,
            vec![("x-token", p.to_vec()), ("x-token", p.to_vec())],
            BadRequest,
        ),
        raw(
            "custom header with a Bearer prefix",
            App::Header,
            vec![("x-token", join(b"Bearer ", p))],
            Token(MALFORMED),
        ),
        raw(
            "bearer ignored by a header source",
            App::Header,
            auth(&join(b"Bearer ", p)),
            Missing,
        ),
        raw(
            "bearer valid and cookie invalid",
            App::Api,
            vec![
                ("authorization", join(b"Bearer ", v)),
                ("cookie", b"session=x.y.z".to_vec()),
            ],
            ALICE,
        ),
        raw(
            "custom header valid and bearer garbage",
            App::Header,
            vec![
                ("x-token", p.to_vec()),
                ("authorization", b"Bearer garbage".to_vec()),
            ],
            OK,
        ),
    ]
}
