//! Arbitrary and mutated proofs (fixed seed) through a real Router: never a
//! panic, never a 5xx, a 200 only for the proof as signed, every refusal one
//! of the fixed DPoP answers, never an echo of the proof.

use std::sync::OnceLock;

use axum::http::StatusCode;
use claimguard::dpop::DpopError;
use claimguard::testing::DpopKey;
use claimguard_tests::{NOW, Reply, proptest_config};
use proptest::prelude::*;
use proptest::sample::Index;

use crate::setup::{App, app, assert_no_echo, bound, dpop, key};

const URI: &str = "https://api.example.com/orders";

struct Rig {
    app: App,
    key: DpopKey,
    token: String,
    runtime: tokio::runtime::Runtime,
}

fn rig() -> &'static Rig {
    static RIG: OnceLock<Rig> = OnceLock::new();
    RIG.get_or_init(|| {
        let key = key(0);
        let token = bound(&key);
        let runtime = tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        Rig {
            app: app(dpop()),
            key,
            token,
            runtime,
        }
    })
}

fn send(proof: &[u8]) -> Reply {
    let rig = rig();
    let authorization = format!("DPoP {}", rig.token);
    let headers = [("authorization", authorization.as_bytes()), ("dpop", proof)];
    rig.runtime.block_on(claimguard_tests::send(
        &rig.app.router,
        "GET",
        "/orders",
        &headers,
    ))
}

/// A refusal is a 401 with one of the fixed DPoP descriptions, or a 400 for
/// a header value that is no header value at all.
fn assert_refused(reply: &Reply) {
    if reply.status == StatusCode::BAD_REQUEST {
        return;
    }
    assert_eq!(reply.status, StatusCode::UNAUTHORIZED, "{reply:?}");
    let known = DpopError::ALL
        .iter()
        .any(|e| reply.body.contains(e.description()));
    assert!(known, "{reply:?}");
}

proptest! {
    #![proptest_config(proptest_config(256))]

    #[test]
    fn arbitrary_proofs_are_refused(proof in proptest::collection::vec(any::<u8>(), 0..600)) {
        // `http` refuses some bytes in a header value before any request.
        if axum::http::HeaderValue::from_bytes(&proof).is_ok() {
            let reply = send(&proof);
            assert_refused(&reply);
        }
    }

    #[test]
    fn a_mutated_proof_is_refused(at in any::<Index>(), byte in any::<u8>()) {
        let rig = rig();
        let proof = rig.key.proof("GET", URI, Some(&rig.token), NOW);
        let mut bytes = proof.clone().into_bytes();
        let i = at.index(bytes.len());
        if bytes[i] == byte || axum::http::HeaderValue::from_bytes(&[byte]).is_err() {
            return Ok(());
        }
        bytes[i] = byte;
        let reply = send(&bytes);
        // A change the decoders cannot see (the unused low bits of a last
        // base64url character) leaves the signature valid: it is still
        // refused, as malformed, since only canonical base64url is read.
        assert_refused(&reply);
        assert_no_echo(&reply, &[&proof, &rig.token]);
    }

    #[test]
    fn a_truncated_proof_is_refused(at in any::<Index>()) {
        let rig = rig();
        let proof = rig.key.proof("GET", URI, Some(&rig.token), NOW);
        let cut = at.index(proof.len());
        let reply = send(&proof.as_bytes()[..cut]);
        assert_refused(&reply);
    }
}
