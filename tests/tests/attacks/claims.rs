//! The registered claims at every edge, duplicate members, and caps.

use claimguard_tests::NOW;

use super::forge::*;
use super::setup::*;
use super::table::*;

pub(crate) fn cases() -> Vec<Case> {
    let n = NOW;
    let mut cases = Vec::new();
    for (name, app, exp, expect) in [
        ("exp now+1", App::Api, (n + 1).to_string(), ALICE),
        ("exp at now", App::Api, n.to_string(), Token(EXPIRED)),
        ("exp now-1", App::Api, (n - 1).to_string(), Token(EXPIRED)),
        ("exp at now, leeway 30", App::Lenient, n.to_string(), ALICE),
        (
            "exp now-29, leeway 30",
            App::Lenient,
            (n - 29).to_string(),
            ALICE,
        ),
        (
            "exp now-30, leeway 30",
            App::Lenient,
            (n - 30).to_string(),
            Token(EXPIRED),
        ),
        (
            "exp now-31, leeway 30",
            App::Lenient,
            (n - 31).to_string(),
            Token(EXPIRED),
        ),
        (
            "exp as a string",
            App::Api,
            format!("\"{}\"", n + 60),
            Token(CLAIMS),
        ),
        (
            "exp as a float, future",
            App::Api,
            format!("{}.5", n + 1),
            ALICE,
        ),
        (
            "exp as a float just past now",
            App::Api,
            format!("{n}.9"),
            Token(EXPIRED),
        ),
        ("exp as an exponent", App::Api, "1.8e9".to_owned(), ALICE),
        ("exp negative", App::Api, "-1".to_owned(), Token(CLAIMS)),
        (
            "exp negative float",
            App::Api,
            "-1.5".to_owned(),
            Token(CLAIMS),
        ),
        ("exp zero", App::Api, "0".to_owned(), Token(EXPIRED)),
        ("exp u64::MAX", App::Api, u64::MAX.to_string(), ALICE),
        (
            "exp beyond u64",
            App::Api,
            "184467440737095516160".to_owned(),
            ALICE,
        ),
        ("exp 1e400", App::Api, "1e400".to_owned(), Token(CLAIMS)),
        ("exp true", App::Api, "true".to_owned(), Token(CLAIMS)),
        ("exp null", App::Api, "null".to_owned(), Token(CLAIMS)),
        (
            "exp an array",
            App::Api,
            format!("[{}]", n + 60),
            Token(CLAIMS),
        ),
        ("exp an object", App::Api, "{}".to_owned(), Token(CLAIMS)),
    ] {
        cases.push(tok(name, app, hs(&with_exp(&exp)), expect));
    }
    cases.push(tok(
        "exp missing",
        App::Api,
        hs(&replace("exp", None)),
        Token(REQUIRED),
    ));
    for (name, app, extra, expect) in [
        ("nbf at now", App::Api, format!(r#","nbf":{n}"#), ALICE),
        (
            "nbf now+1",
            App::Api,
            format!(r#","nbf":{}"#, n + 1),
            Token(NBF),
        ),
        (
            "nbf now+0.5",
            App::Api,
            format!(r#","nbf":{n}.5"#),
            Token(NBF),
        ),
        (
            "nbf now+30, leeway 30",
            App::Lenient,
            format!(r#","nbf":{}"#, n + 30),
            ALICE,
        ),
        (
            "nbf now+31, leeway 30",
            App::Lenient,
            format!(r#","nbf":{}"#, n + 31),
            Token(NBF),
        ),
        (
            "nbf as a string",
            App::Api,
            r#","nbf":"0""#.to_owned(),
            Token(CLAIMS),
        ),
        ("iat at now", App::Api, format!(r#","iat":{n}"#), ALICE),
        (
            "iat now+1",
            App::Api,
            format!(r#","iat":{}"#, n + 1),
            Token(IAT),
        ),
        (
            "iat far future",
            App::Api,
            r#","iat":99999999999"#.to_owned(),
            Token(IAT),
        ),
        (
            "iat negative",
            App::Api,
            r#","iat":-5"#.to_owned(),
            Token(CLAIMS),
        ),
        (
            "iat as a string",
            App::Api,
            r#","iat":"x""#.to_owned(),
            Token(CLAIMS),
        ),
    ] {
        cases.push(tok(name, app, hs(&claims(&extra)), expect));
    }
    for (name, member, value, expect) in [
        ("iss missing", "iss", None, Token(ISSUER)),
        (
            "iss wrong",
            "iss",
            Some(r#""https://evil.example""#),
            Token(ISSUER),
        ),
        (
            "iss with a trailing slash",
            "iss",
            Some(r#""https://issuer.example/""#),
            Token(ISSUER),
        ),
        (
            "iss in another case",
            "iss",
            Some(r#""https://ISSUER.example""#),
            Token(ISSUER),
        ),
        (
            "iss as an array",
            "iss",
            Some(r#"["https://issuer.example"]"#),
            Token(ISSUER),
        ),
        ("iss null", "iss", Some("null"), Token(ISSUER)),
        (
            "iss escaped",
            "iss",
            Some(r#""https:\/\/issuer.example""#),
            ALICE,
        ),
        ("aud missing", "aud", None, Token(AUD)),
        ("aud wrong", "aud", Some(r#""other""#), Token(AUD)),
        ("aud in another case", "aud", Some(r#""API""#), Token(AUD)),
        ("aud array with ours", "aud", Some(r#"["api"]"#), ALICE),
        (
            "aud array with ours second",
            "aud",
            Some(r#"["other","api"]"#),
            ALICE,
        ),
        (
            "aud array without ours",
            "aud",
            Some(r#"["other","apis"]"#),
            Token(AUD),
        ),
        ("aud empty array", "aud", Some("[]"), Token(AUD)),
        (
            "aud array with a number",
            "aud",
            Some(r#"["api",1]"#),
            Token(AUD),
        ),
        ("aud array nested", "aud", Some(r#"[["api"]]"#), Token(AUD)),
        ("aud a number", "aud", Some("1"), Token(AUD)),
        ("aud an object", "aud", Some(r#"{"api":true}"#), Token(AUD)),
        ("aud null", "aud", Some("null"), Token(AUD)),
        ("sub missing (required)", "sub", None, Token(REQUIRED)),
        ("sub a number", "sub", Some("1"), Token(CLAIMS)),
    ] {
        cases.push(tok(name, App::Api, hs(&replace(member, value)), expect));
    }
    cases.push(tok(
        "aud when none is configured",
        App::Plain,
        hs(r#"{"sub":"x","exp":1800000000,"aud":"api"}"#),
        Token(AUD),
    ));
    cases.push(tok(
        "no aud when none is configured",
        App::Plain,
        hs(r#"{"sub":"x","exp":1800000000}"#),
        OK,
    ));
    // Duplicates.
    for (name, extra) in [
        (
            "exp twice, the second expired",
            format!(r#","exp":{}"#, n - 100),
        ),
        (
            "exp twice, the second later",
            format!(r#","exp":{}"#, n + 3600),
        ),
        (
            "exp twice, one escaped",
            format!(r#","\u0065xp":{}"#, n + 60),
        ),
        ("sub twice", r#","sub":"mallory""#.to_owned()),
        ("sub twice, escaped", r#","\u0073ub":"alice""#.to_owned()),
        ("iss twice", format!(r#","iss":"{ISS}""#)),
        ("aud twice", r#","aud":"api""#.to_owned()),
        ("nick twice", r#","nick":"a","nick":"b""#.to_owned()),
        ("roles twice", r#","roles":[],"roles":["x"]"#.to_owned()),
        ("nbf twice", format!(r#","nbf":{n},"nbf":{}"#, n + 9999)),
    ] {
        cases.push(tok(name, App::Api, hs(&claims(&extra)), Token(CLAIMS)));
    }
    let expired_then_valid = format!(
        r#"{{"sub":"alice","exp":{},"exp":{},"iss":"{ISS}","aud":"api"}}"#,
        n - 100,
        n + 60
    );
    cases.push(tok(
        "exp twice, the first expired",
        App::Api,
        hs(&expired_then_valid),
        Token(CLAIMS),
    ));
    // Not an object.
    for (name, body) in [
        ("payload an array", "[]".to_owned()),
        ("payload an array of claims", format!("[{}]", claims(""))),
        ("payload a string", r#""alice""#.to_owned()),
        ("payload null", "null".to_owned()),
        ("payload a number", "1800000000".to_owned()),
        ("payload whitespace", " ".to_owned()),
        (
            "payload two objects",
            format!("{}{}", claims(""), claims("")),
        ),
        ("payload with trailing garbage", format!("{} x", claims(""))),
        ("payload truncated", claims("")[..20].to_owned()),
    ] {
        cases.push(tok(name, App::Api, hs(&body), Token(CLAIMS)));
    }
    // Unknown members and nesting.
    let deep = |d: usize| format!("{}1{}", "[".repeat(d), "]".repeat(d));
    let deep_obj = |d: usize| format!("{}1{}", r#"{"a":"#.repeat(d), "}".repeat(d));
    for (name, extra, expect) in [
        ("unknown member", r#","x":1"#.to_owned(), ALICE),
        (
            "unknown nested members",
            r#","x":{"y":[1,{"z":null}],"w":"v"}"#.to_owned(),
            ALICE,
        ),
        (
            "unknown array nested 100 deep",
            format!(r#","x":{}"#, deep(100)),
            ALICE,
        ),
        (
            "unknown object nested 100 deep",
            format!(r#","x":{}"#, deep_obj(100)),
            ALICE,
        ),
        (
            "unknown array nested 600 deep",
            format!(r#","x":{}"#, deep(600)),
            ALICE,
        ),
        (
            "unknown object nested 300 deep",
            format!(r#","x":{}"#, deep_obj(300)),
            ALICE,
        ),
        (
            "unknown member named like a claim in another case",
            r#","EXP":1"#.to_owned(),
            ALICE,
        ),
    ] {
        cases.push(tok(name, App::Api, hs(&claims(&extra)), expect));
    }
    // Caps at N and N + 1, in bytes of multi-byte UTF-8.
    for (name, body, expect) in [
        ("sub 16 bytes of é", "é".repeat(8), Expect::Ok("éééééééé")),
        ("sub 17 bytes", format!("{}a", "é".repeat(8)), Token(CLAIMS)),
        (
            "sub 16 bytes of emoji",
            "😀".repeat(4),
            Expect::Ok("😀😀😀😀"),
        ),
        ("sub 18 bytes of 3-byte chars", "€".repeat(6), Token(CLAIMS)),
        (
            "sub 16 bytes via surrogate escapes",
            r"\ud83d\ude00\ud83d\ude00\ud83d\ude00\ud83d\ude00".to_owned(),
            Expect::Ok("😀😀😀😀"),
        ),
        (
            "sub 17 bytes via escapes",
            r"\ud83d\ude00\ud83d\ude00\ud83d\ude00\ud83d\ude00\u0061".to_owned(),
            Token(CLAIMS),
        ),
        ("sub lone surrogate", r"\ud800".to_owned(), Token(CLAIMS)),
    ] {
        let payload = claims("").replace(r#""sub":"alice""#, &format!(r#""sub":"{body}""#));
        cases.push(tok(name, App::Api, hs(&payload), expect));
    }
    for (name, extra, expect) in [
        ("nick 6 bytes", r#","nick":"€€""#, ALICE),
        ("nick 7 bytes", r#","nick":"€€a""#, Token(CLAIMS)),
        ("nick 6 bytes escaped", r#","nick":"\u20ac\u20ac""#, ALICE),
        (
            "nick 7 bytes escaped",
            r#","nick":"\u20ac\u20aca""#,
            Token(CLAIMS),
        ),
        ("nick null", r#","nick":null"#, ALICE),
        ("nick a number", r#","nick":1"#, Token(CLAIMS)),
        ("roles 3 items", r#","roles":["a","b","c"]"#, ALICE),
        (
            "roles 4 items",
            r#","roles":["a","b","c","d"]"#,
            Token(CLAIMS),
        ),
        ("roles item 8 bytes", r#","roles":["éééé"]"#, ALICE),
        ("roles item 9 bytes", r#","roles":["ééééa"]"#, Token(CLAIMS)),
        ("roles not an array", r#","roles":"a""#, Token(CLAIMS)),
        ("roles with a number", r#","roles":[1]"#, Token(CLAIMS)),
        ("roles 500 items", "ROLES1000", Token(CLAIMS)),
    ] {
        let extra = if extra == "ROLES1000" {
            format!(r#","roles":[{}]"#, vec![r#""a""#; 500].join(","))
        } else {
            extra.to_owned()
        };
        cases.push(tok(name, App::Api, hs(&claims(&extra)), expect));
    }
    cases
}
