//! What an operator sees: the `metrics` series after a known sequence of
//! requests and key fetches (a debugging recorder), and the key source's
//! `tracing` events, which fire on changes of state only.

use std::sync::{Arc, Mutex, OnceLock};

use axum::Router;
use axum::routing::get;
use claimguard::remote::RemoteIssuer;
use claimguard::testing::{Mode, TestIssuer};
use claimguard::{Algorithm, Claims, ManualClock, Verifier};
use claimguard_tests::{HsMinter, NOW, SECRET, bearer};
use metrics_util::debugging::{DebugValue, DebuggingRecorder, Snapshotter};
use serde_json::json;

#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [HS256], cache(capacity = 10, ttl = 300))]
struct Cached {
    #[claims(max_len = 16)]
    sub: String,
}

#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [ES256])]
struct Remote {
    #[claims(max_len = 16)]
    sub: String,
}

/// One snapshot of every series (taking one resets the counters).
type Series = Vec<(
    metrics_util::CompositeKey,
    Option<metrics::Unit>,
    Option<metrics::SharedString>,
    DebugValue,
)>;

fn series(snapshotter: &Snapshotter) -> Series {
    snapshotter.snapshot().into_vec()
}

/// The value of series `name` with exactly these labels, if recorded.
fn value<'s>(series: &'s Series, name: &str, labels: &[(&str, &str)]) -> Option<&'s DebugValue> {
    series
        .iter()
        .find(|(key, ..)| {
            let key = key.key();
            let mut got: Vec<(String, String)> = key
                .labels()
                .map(|l| (l.key().to_owned(), l.value().to_owned()))
                .collect();
            let mut want: Vec<(String, String)> = labels
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect();
            got.sort();
            want.sort();
            key.name() == name && got == want
        })
        .map(|(.., value)| value)
}

/// Runs `test` on a one-thread runtime with `recorder` as this thread's
/// recorder.
fn recorded<F: Future>(recorder: &DebuggingRecorder, test: impl FnOnce() -> F) -> F::Output {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap_or_else(|e| panic!("{e}"));
    metrics::with_local_recorder(recorder, || runtime.block_on(test()))
}

#[test]
fn verifications_and_the_cache_are_counted() {
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    recorded(&recorder, || async {
        let verifier = claimguard_tests::verifier::<Cached>();
        let app = Router::new()
            .route("/", get(|c: Cached| async move { c.sub }))
            .with_state(verifier);
        let minter = HsMinter::new(SECRET);
        let good = minter.token(&format!(r#"{{"sub":"a","exp":{}}}"#, NOW + 60));
        let expired = minter.token(&format!(r#"{{"sub":"a","exp":{}}}"#, NOW - 60));
        let forged = HsMinter::new(&[7; 64]).token(&format!(r#"{{"sub":"a","exp":{}}}"#, NOW + 60));
        for token in [&good, &good, &good, &expired, &forged] {
            bearer(&app, "/", token).await;
        }
        // No credentials: not a verification, not counted.
        claimguard_tests::call(&app, "/", &[]).await;
    });
    let claims = core::any::type_name::<Cached>();
    let snapshot = series(&snapshotter);
    let counter = |name, labels: &[(&str, &str)]| match value(&snapshot, name, labels) {
        Some(DebugValue::Counter(n)) => *n,
        other => panic!("{name} {labels:?}: {other:?}"),
    };
    let verifications = |outcome, reason| {
        counter(
            "claimguard_verifications_total",
            &[("claims", claims), ("outcome", outcome), ("reason", reason)],
        )
    };
    assert_eq!(verifications("accepted", "none"), 3);
    assert_eq!(verifications("refused", "expired"), 1);
    assert_eq!(verifications("refused", "signature"), 1);
    let labels = [("claims", claims)];
    assert_eq!(counter("claimguard_cache_hits_total", &labels), 2);
    assert_eq!(counter("claimguard_cache_misses_total", &labels), 3);
    assert_eq!(counter("claimguard_cache_inserts_total", &labels), 1);
    // Registered with the others at the cache's first operation, never
    // incremented.
    for idle in [
        "claimguard_cache_evictions_total",
        "claimguard_cache_expirations_total",
        "claimguard_cache_withdrawals_total",
    ] {
        assert_eq!(counter(idle, &labels), 0, "{idle}");
    }
    let gauge = |name| match value(&snapshot, name, &labels) {
        Some(DebugValue::Gauge(v)) => v.into_inner(),
        other => panic!("{name}: {other:?}"),
    };
    assert_eq!(gauge("claimguard_cache_entries"), 1.0);
    assert!(gauge("claimguard_cache_bytes") > 0.0);
    // No label anywhere holds anything a token chose.
    for (key, ..) in &snapshot {
        for label in key.key().labels() {
            assert!(
                ["claims", "outcome", "reason"].contains(&label.key()),
                "{label:?}"
            );
        }
    }
}

#[derive(Claims, Clone, Debug)]
#[claims(algorithms = [HS256], cache(capacity = 10, ttl = 300))]
struct Bound {
    #[claims(max_len = 16)]
    sub: String,
}

#[test]
fn a_dpop_request_is_counted_once_with_its_verdict() {
    use claimguard::dpop::DpopVerifier;
    use claimguard::testing::DpopKey;

    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let key = DpopKey::new(Algorithm::ES256).unwrap_or_else(|e| panic!("{e}"));
    let minter = HsMinter::new(SECRET);
    let bound = minter.token(&format!(
        r#"{{"sub":"a","exp":{},"cnf":{{"jkt":"{}"}}}}"#,
        NOW + 60,
        key.thumbprint()
    ));
    let plain = minter.token(&format!(r#"{{"sub":"b","exp":{}}}"#, NOW + 60));
    recorded(&recorder, || async {
        let dpop = DpopVerifier::builder("https://api.example.com")
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let verifier = Verifier::<Bound>::builder()
            .key(claimguard::Key::hmac(SECRET).unwrap_or_else(|e| panic!("{e}")))
            .clock(ManualClock::new(NOW))
            .dpop(dpop)
            .build()
            .unwrap_or_else(|e| panic!("{e}"));
        let app = Router::new()
            .route("/", get(|c: Bound| async move { c.sub }))
            .with_state(verifier.clone());
        let proof = key.proof("GET", "https://api.example.com/", Some(&bound), NOW);
        let authorization = format!("DPoP {bound}");
        let headers = [
            ("authorization", authorization.as_bytes()),
            ("dpop", proof.as_bytes()),
        ];
        // Accepted, then the same proof again (its token a cache hit).
        for _ in 0..2 {
            claimguard_tests::send(&app, "GET", "/", &headers).await;
        }
        bearer(&app, "/", &bound).await;
        bearer(&app, "/", &plain).await;
        assert!(verifier.verify(&plain).is_ok());
        assert!(verifier.verify(&bound).is_err());
    });
    let claims = core::any::type_name::<Bound>();
    let snapshot = series(&snapshotter);
    let verifications = |outcome, reason| match value(
        &snapshot,
        "claimguard_verifications_total",
        &[("claims", claims), ("outcome", outcome), ("reason", reason)],
    ) {
        Some(DebugValue::Counter(n)) => *n,
        other => panic!("{outcome} {reason}: {other:?}"),
    };
    // The DPoP request, and the bearer token twice (extractor and `verify`):
    // a refused request is never counted as accepted too.
    assert_eq!(verifications("accepted", "none"), 3);
    assert_eq!(verifications("refused", "dpop_replayed"), 1);
    assert_eq!(verifications("refused", "dpop_bound_as_bearer"), 2);
}

/// Every event of every level, from every test of this binary, as text.
fn logs() -> &'static Arc<Mutex<Vec<u8>>> {
    static LOGS: OnceLock<Arc<Mutex<Vec<u8>>>> = OnceLock::new();
    LOGS.get_or_init(|| {
        let logs = Arc::new(Mutex::new(Vec::new()));
        let writer = Arc::clone(&logs);
        let subscriber = tracing_subscriber::fmt()
            .with_max_level(tracing::Level::TRACE)
            .with_ansi(false)
            .with_writer(move || Writer(Arc::clone(&writer)))
            .finish();
        tracing::subscriber::set_global_default(subscriber).unwrap_or_else(|e| panic!("{e}"));
        logs
    })
}

struct Writer(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for Writer {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

/// The `INFO` and `WARN` lines that name `issuer`, each cut to its message.
fn notable(issuer: &str) -> Vec<String> {
    let logs = logs()
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    String::from_utf8_lossy(&logs)
        .lines()
        .filter(|line| {
            line.contains(&format!("issuer=\"{issuer}\""))
                || line.contains(&format!("issuer={issuer}"))
        })
        .filter_map(|line| {
            let level = if line.contains(" INFO ") {
                "INFO"
            } else if line.contains(" WARN ") {
                "WARN"
            } else {
                return None;
            };
            let message = line.split("claimguard: ").nth(1).unwrap_or(line);
            let message = message.split(" issuer=").next().unwrap_or(message);
            Some(format!("{level} {message}"))
        })
        .collect()
}

#[test]
fn the_key_source_reports_changes_of_state_once_each() {
    logs();
    let recorder = DebuggingRecorder::new();
    let snapshotter = recorder.snapshotter();
    let issuer_url = recorded(&recorder, || async {
        let issuer = TestIssuer::start().await.unwrap_or_else(|e| panic!("{e}"));
        let clock = ManualClock::new(NOW);
        let remote = RemoteIssuer::discover(&issuer.issuer()).unwrap_or_else(|e| panic!("{e}"));
        let verifier = Verifier::<Remote>::builder()
            .clock(clock.clone())
            .timer(clock.clone())
            .remote(remote)
            .start()
            .await
            .unwrap_or_else(|e| panic!("{e}"));
        let url = issuer.issuer();
        // A rotation, seen at a reload.
        issuer.rotate(Algorithm::ES256);
        verifier.reload_keys().await;
        // Two failures in a row: one warning.
        issuer.set_mode(Mode::Status(500));
        verifier.reload_keys().await;
        verifier.reload_keys().await;
        // Past the lifetime (600 s), the retry due fails too: stale.
        clock.advance(600);
        verifier.fetches_completed(&url, 5).await;
        // Back: recovered.
        issuer.set_mode(Mode::Normal);
        clock.advance(300);
        verifier.fetches_completed(&url, 6).await;
        // A flood of unknown kids: one refetch, then one notice of the
        // cooldown, whatever the number of tokens.
        let app = Router::new()
            .route("/", get(|c: Remote| async move { c.sub }))
            .with_state(verifier.clone());
        for i in 0..50 {
            let token = issuer
                .mint_with(
                    Algorithm::ES256,
                    "p256-1",
                    &json!({ "kid": format!("forged-{i}") }),
                    &json!({ "sub": "x", "iss": url, "exp": NOW + 90_000 }),
                )
                .unwrap_or_default();
            bearer(&app, "/", &token).await;
        }
        url
    });
    assert_eq!(
        notable(&issuer_url),
        [
            // The set's keys of other families, noted once.
            "INFO key skipped",
            "INFO key skipped",
            "INFO key skipped",
            "INFO first keys",
            "INFO key rotation seen",
            "WARN key refresh failed; the keys in service stay",
            "WARN keys stale: past their lifetime and refreshing fails; still verifying",
            "INFO keys recovered",
            "INFO unknown kids refused until the cooldown ends",
        ],
        "{}",
        String::from_utf8_lossy(
            &logs()
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
        )
    );
    let claims = core::any::type_name::<Remote>();
    let snapshot = series(&snapshotter);
    let fetches = |trigger, outcome| match value(
        &snapshot,
        "claimguard_key_fetches_total",
        &[
            ("claims", claims),
            ("issuer", &issuer_url),
            ("trigger", trigger),
            ("outcome", outcome),
        ],
    ) {
        Some(DebugValue::Counter(n)) => *n,
        None => 0,
        other => panic!("{other:?}"),
    };
    assert_eq!(fetches("startup", "ok"), 1);
    assert_eq!(fetches("reload", "ok"), 1);
    assert_eq!(fetches("reload", "error"), 2);
    assert_eq!(fetches("scheduled", "error"), 1);
    assert_eq!(fetches("scheduled", "ok"), 1);
    assert_eq!(fetches("unknown_kid", "ok"), 1);
    let gauge = |name| match value(
        &snapshot,
        name,
        &[("claims", claims), ("issuer", &issuer_url)],
    ) {
        Some(DebugValue::Gauge(v)) => v.into_inner(),
        other => panic!("{name}: {other:?}"),
    };
    // The two P-256 keys (the set's others cannot verify ES256).
    assert_eq!(gauge("claimguard_keys"), 2.0);
    assert_eq!(gauge("claimguard_keys_stale"), 0.0);
    #[allow(clippy::cast_precision_loss)]
    let fetched_at = (NOW + 900) as f64;
    assert_eq!(
        gauge("claimguard_keys_fetched_timestamp_seconds"),
        fetched_at
    );
}

#[test]
fn the_table_of_series_in_the_readme_is_the_crate_s() {
    let readme = std::fs::read_to_string(format!("{}/../README.md", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{e}"));
    for (name, kind, labels, _) in claimguard::METRICS {
        let row = format!("| `{name}` | {kind} | {labels} |");
        assert!(readme.contains(&row), "the README lacks the row {row}");
    }
    let rows = readme
        .lines()
        .filter(|l| l.starts_with("| `claimguard_"))
        .count();
    assert_eq!(rows, claimguard::METRICS.len());
}
