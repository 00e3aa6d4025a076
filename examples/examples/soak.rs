//! `cargo run --release --example soak`
//!
//! Resident memory under a stream of unique tokens: 1 000 000 distinct,
//! valid HS256 tokens (about 310 bytes each) through an in-process Router,
//! once per variant, each variant in a fresh child process so that its
//! resident set is its own:
//!
//! - `naive`: the pattern claimguard replaces, a process-wide
//!   `Mutex<HashMap<String, Claims>>` of decoded claims keyed by token,
//!   never evicted, filled by a hand-written extractor calling
//!   `jsonwebtoken::decode`;
//! - `claimguard`: the derived extractor with
//!   `cache(capacity = 10_000, ttl = 300)`.
//!
//! Each child samples its RSS (`/proc/self/statm`) before the first request
//! and every 10 000 requests. The parent writes `docs/perf/soak.csv`
//! (`variant,requests,rss_bytes`) and `docs/perf/soak.svg`, a line chart of
//! both curves with claimguard's bound (`CACHE_MAX_BYTES` plus its
//! baseline) dashed, and prints the peaks.
//!
//! `SOAK_REQUESTS=50000` (or `--requests 50000`) runs fewer tokens for a
//! quick check; `SOAK_OUT=dir` writes the CSV and SVG elsewhere. Linux only
//! (it reads `/proc`).

use std::collections::HashMap;
use std::fmt::Write as _;
use std::hint::black_box;
use std::io::{BufRead as _, BufReader};
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{LazyLock, Mutex, PoisonError};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Body;
use axum::extract::FromRequestParts;
use axum::http::request::Parts;
use axum::http::{Request, StatusCode, header};
use axum::routing::get;
use claimguard::{Claims, Key, Verifier};
use serde::Deserialize;
use tower::ServiceExt as _;

type BoxError = Box<dyn std::error::Error>;

const SECRET: &[u8] = b"claimguard-soak-secret-of-at-least-forty-eight-b";
const ISSUER: &str = "https://auth.example.com";
const AUDIENCE: &str = "orders-api";
/// RSS is sampled this often.
const SAMPLE_EVERY: u64 = 10_000;
const DEFAULT_REQUESTS: u64 = 1_000_000;
const VARIANTS: [&str; 2] = ["naive", "claimguard"];

/// claimguard's claims, with the 10 000-entry cache under test.
// The handler only `black_box`es the claims: their fields are what a real
// service would read, and what the cache has to hold.
#[allow(dead_code)]
#[derive(Claims, Clone, Debug)]
#[claims(
    algorithms = [HS256],
    issuer = "https://auth.example.com",
    audience = "orders-api",
    cache(capacity = 10_000, ttl = 300)
)]
struct User {
    #[claims(max_len = 64)]
    sub: String,
    exp: u64,
    #[claims(max_items = 8, max_len = 32, default)]
    roles: Vec<String>,
    #[claims(max_len = 254)]
    email: Option<String>,
}

/// The same claims as the naive service declares them.
// Never read, as above: the fields are what the naive map keeps per token.
#[allow(dead_code)]
#[derive(Clone, Debug, Deserialize)]
struct NaiveClaims {
    sub: String,
    exp: u64,
    #[serde(default)]
    roles: Vec<String>,
    email: Option<String>,
}

/// The naive service's globals, as they are usually written: a decoding
/// key, a validation, and a "cache" that only ever grows.
static NAIVE_KEY: LazyLock<jsonwebtoken::DecodingKey> = LazyLock::new(|| {
    jsonwebtoken::DecodingKey::from_secret(SECRET).unwrap_or_else(|e| panic!("{e}"))
});
static NAIVE_VALIDATION: LazyLock<jsonwebtoken::Validation> = LazyLock::new(|| {
    let mut validation = jsonwebtoken::Validation::new(jsonwebtoken::Algorithm::HS256);
    validation.set_issuer(&[ISSUER]);
    validation.set_audience(&[AUDIENCE]);
    validation
});
static NAIVE_SEEN: LazyLock<Mutex<HashMap<String, NaiveClaims>>> =
    LazyLock::new(|| Mutex::new(HashMap::new()));

/// The naive extractor: look the token up, else decode it and remember it.
struct NaiveUser(NaiveClaims);

impl<S: Send + Sync> FromRequestParts<S> for NaiveUser {
    type Rejection = StatusCode;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        let token = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.strip_prefix("Bearer "))
            .ok_or(StatusCode::UNAUTHORIZED)?;
        let seen = NAIVE_SEEN
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .get(token)
            .cloned();
        if let Some(claims) = seen {
            return Ok(Self(claims));
        }
        let data = jsonwebtoken::decode::<NaiveClaims>(token, &NAIVE_KEY, &NAIVE_VALIDATION)
            .map_err(|_| StatusCode::UNAUTHORIZED)?;
        NAIVE_SEEN
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(token.to_owned(), data.claims.clone());
        Ok(Self(data.claims))
    }
}

/// The tokens of the run: unique per request through `sub`, valid for the
/// whole run, minted on the fly by the test kit's keyed minter.
struct Minter {
    minter: claimguard_tests::HsMinter,
    exp: u64,
}

impl Minter {
    fn new() -> Result<Self, BoxError> {
        let now = SystemTime::now().duration_since(UNIX_EPOCH)?.as_secs();
        Ok(Self {
            minter: claimguard_tests::HsMinter::new(SECRET),
            exp: now + 3600,
        })
    }

    fn token(&self, i: u64) -> String {
        let payload = format!(
            r#"{{"sub":"user-{i:010}","exp":{},"iat":{},"iss":"{ISSUER}","aud":"{AUDIENCE}","roles":["reader","writer"],"email":"user-{i:010}@example.com"}}"#,
            self.exp,
            self.exp - 3600,
        );
        self.minter.token(&payload)
    }
}

/// The page size, from the kernel's auxiliary vector (`AT_PAGESZ`), so that
/// no `unsafe` libc call is needed; 4096 if it cannot be read.
fn page_size() -> u64 {
    const AT_PAGESZ: u64 = 6;
    let Ok(auxv) = std::fs::read("/proc/self/auxv") else {
        return 4096;
    };
    auxv.chunks_exact(16)
        .find_map(|pair| {
            let (kind, value) = pair.split_at(8);
            let kind = u64::from_ne_bytes(kind.try_into().ok()?);
            if kind == AT_PAGESZ {
                Some(u64::from_ne_bytes(value.try_into().ok()?))
            } else {
                None
            }
        })
        .unwrap_or(4096)
}

/// Resident set size in bytes: the second field of `/proc/self/statm`.
fn rss_bytes(page: u64) -> Result<u64, BoxError> {
    let statm = std::fs::read_to_string("/proc/self/statm")?;
    let pages: u64 = statm
        .split_whitespace()
        .nth(1)
        .ok_or("statm has no resident field")?
        .parse()?;
    Ok(pages * page)
}

fn app(variant: &str) -> Result<Router, BoxError> {
    Ok(match variant {
        "naive" => Router::new().route(
            "/",
            get(|NaiveUser(claims): NaiveUser| async move {
                black_box(claims);
                StatusCode::NO_CONTENT
            }),
        ),
        "claimguard" => Router::new()
            .route(
                "/",
                get(|user: User| async move {
                    black_box(user);
                    StatusCode::NO_CONTENT
                }),
            )
            .with_state(Verifier::<User>::new(Key::hmac(SECRET)?)?),
        other => return Err(format!("unknown variant {other:?}").into()),
    })
}

/// One variant in this process: prints `variant,requests,rss_bytes` rows.
fn child(variant: &str, requests: u64) -> Result<(), BoxError> {
    let runtime = tokio::runtime::Builder::new_current_thread().build()?;
    let app = app(variant)?;
    let minter = Minter::new()?;
    let page = page_size();
    println!("{variant},0,{}", rss_bytes(page)?);
    let start = Instant::now();
    runtime.block_on(async {
        for i in 0..requests {
            let request = Request::builder()
                .uri("/")
                .header(header::AUTHORIZATION, format!("Bearer {}", minter.token(i)))
                .body(Body::empty())?;
            let response = app
                .clone()
                .oneshot(request)
                .await
                .unwrap_or_else(|e| match e {});
            if response.status() != StatusCode::NO_CONTENT {
                return Err(format!("request {i} answered {}", response.status()).into());
            }
            let done = i + 1;
            if done % SAMPLE_EVERY == 0 || done == requests {
                println!("{variant},{done},{}", rss_bytes(page)?);
            }
        }
        Ok::<_, BoxError>(())
    })?;
    let elapsed = start.elapsed();
    eprintln!(
        "{variant}: {requests} requests in {:.2} s ({:.0} requests/s)",
        elapsed.as_secs_f64(),
        requests as f64 / elapsed.as_secs_f64(),
    );
    Ok(())
}

/// One sample of one variant.
struct Sample {
    variant: String,
    requests: u64,
    rss: u64,
}

fn run_child(variant: &str, requests: u64) -> Result<Vec<Sample>, BoxError> {
    let mut process = Command::new(std::env::current_exe()?)
        .args(["child", variant, &requests.to_string()])
        .stdout(Stdio::piped())
        .spawn()?;
    let stdout = process.stdout.take().ok_or("child has no stdout")?;
    let mut samples = Vec::new();
    for line in BufReader::new(stdout).lines() {
        let line = line?;
        let mut fields = line.split(',');
        let (Some(name), Some(done), Some(rss)) = (fields.next(), fields.next(), fields.next())
        else {
            return Err(format!("unexpected line from the {variant} child: {line:?}").into());
        };
        samples.push(Sample {
            variant: name.to_owned(),
            requests: done.parse()?,
            rss: rss.parse()?,
        });
    }
    let status = process.wait()?;
    if !status.success() {
        return Err(format!("the {variant} child failed: {status}").into());
    }
    Ok(samples)
}

const MIB: f64 = 1024.0 * 1024.0;

/// A round step (1, 2 or 5 times a power of ten) giving about `ticks` ticks.
fn nice_step(range: f64, ticks: f64) -> f64 {
    let raw = (range / ticks).max(f64::MIN_POSITIVE);
    let power = 10f64.powf(raw.log10().floor());
    let unit = raw / power;
    let nice = if unit <= 1.0 {
        1.0
    } else if unit <= 2.0 {
        2.0
    } else if unit <= 5.0 {
        5.0
    } else {
        10.0
    };
    nice * power
}

fn requests_label(n: f64) -> String {
    if n >= 1e6 {
        format!("{}M", n / 1e6)
    } else if n >= 1e3 {
        format!("{}k", n / 1e3)
    } else {
        format!("{n}")
    }
}

/// One panel of the chart: axes, grid, both curves and the bound, with the
/// curves cut at the panel's top (the zoomed panel cuts the naive curve off).
struct Panel<'a> {
    title: &'a str,
    top: f64,
    height: f64,
    y_max_mib: f64,
}

const LEFT: f64 = 90.0;
const WIDTH: f64 = 640.0;
const COLORS: [(&str, &str); 2] = [("naive", "#d62728"), ("claimguard", "#1f77b4")];

fn panel(
    svg: &mut String,
    p: &Panel<'_>,
    samples: &[Sample],
    x_max: f64,
    bound: f64,
) -> std::fmt::Result {
    let x = |requests: f64| LEFT + requests / x_max * WIDTH;
    let y = |mib: f64| p.top + p.height - mib / p.y_max_mib * p.height;
    let bottom = p.top + p.height;
    writeln!(
        svg,
        r#"<text x="{LEFT}" y="{:.1}" font-size="14" font-weight="bold">{}</text>"#,
        p.top - 10.0,
        p.title
    )?;
    // Grid and y ticks.
    let step = nice_step(p.y_max_mib, 5.0);
    let mut tick = 0.0;
    while tick <= p.y_max_mib + step * 1e-9 {
        writeln!(
            svg,
            r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#e5e5e5"/><text x="{2}" y="{3:.1}" font-size="11" text-anchor="end">{4}</text>"##,
            y(tick),
            LEFT + WIDTH,
            LEFT - 6.0,
            y(tick) + 4.0,
            format_mib(tick, step),
        )?;
        tick += step;
    }
    // X ticks.
    let step = nice_step(x_max, 5.0);
    let mut tick = 0.0;
    while tick <= x_max + step * 1e-9 {
        writeln!(
            svg,
            r##"<line x1="{0:.1}" y1="{bottom:.1}" x2="{0:.1}" y2="{1:.1}" stroke="#333"/><text x="{0:.1}" y="{2:.1}" font-size="11" text-anchor="middle">{3}</text>"##,
            x(tick),
            bottom + 5.0,
            bottom + 18.0,
            requests_label(tick),
        )?;
        tick += step;
    }
    // Axes.
    writeln!(
        svg,
        r##"<path d="M{LEFT},{:.1} V{bottom:.1} H{}" fill="none" stroke="#333"/>"##,
        p.top,
        LEFT + WIDTH
    )?;
    writeln!(
        svg,
        r#"<text x="{:.1}" y="{:.1}" font-size="12" text-anchor="middle">requests (each with a new token)</text>"#,
        LEFT + WIDTH / 2.0,
        bottom + 36.0
    )?;
    writeln!(
        svg,
        r#"<text transform="translate(28,{0:.1}) rotate(-90)" font-size="12" text-anchor="middle">resident memory (MiB)</text>"#,
        p.top + p.height / 2.0
    )?;
    // The bound, then the curves over it.
    writeln!(
        svg,
        r##"<line x1="{LEFT}" y1="{0:.1}" x2="{1}" y2="{0:.1}" stroke="#1f77b4" stroke-width="1.5" stroke-dasharray="6 4"/>"##,
        y(bound / MIB).max(p.top),
        LEFT + WIDTH,
    )?;
    for (variant, color) in COLORS {
        let points: Vec<(f64, f64)> = samples
            .iter()
            .filter(|s| s.variant == variant)
            .map(|s| (x(s.requests as f64), y(s.rss as f64 / MIB)))
            .collect();
        for run in cut_above(&points, p.top) {
            let run: Vec<String> = run.iter().map(|(x, y)| format!("{x:.1},{y:.1}")).collect();
            writeln!(
                svg,
                r#"<polyline points="{}" fill="none" stroke="{color}" stroke-width="2"/>"#,
                run.join(" ")
            )?;
        }
    }
    Ok(())
}

/// Cuts a polyline where it rises above `top` (smaller y), ending each run at
/// the crossing. Done by hand rather than with an SVG `clipPath`, which some
/// renderers (ImageMagick's built-in one among them) ignore or reject.
fn cut_above(points: &[(f64, f64)], top: f64) -> Vec<Vec<(f64, f64)>> {
    let crossing =
        |(x0, y0): (f64, f64), (x1, y1): (f64, f64)| (x0 + (x1 - x0) * (top - y0) / (y1 - y0), top);
    let mut runs = Vec::new();
    let mut run = Vec::new();
    let mut previous: Option<(f64, f64)> = None;
    for &point in points {
        let inside = point.1 >= top;
        match previous {
            Some(prev) if (prev.1 >= top) != inside => {
                run.push(crossing(prev, point));
                if inside {
                    run.push(point);
                } else {
                    runs.push(std::mem::take(&mut run));
                }
            }
            _ if inside => run.push(point),
            _ => {}
        }
        previous = Some(point);
    }
    if run.len() > 1 {
        runs.push(run);
    }
    runs
}

fn format_mib(value: f64, step: f64) -> String {
    if step >= 1.0 {
        format!("{value:.0}")
    } else {
        format!("{value:.1}")
    }
}

/// A hand-written SVG: one panel at full scale, where the naive map's growth
/// dwarfs everything, and one zoomed on claimguard and its bound.
fn chart(samples: &[Sample], bound: u64, requests: u64) -> Result<String, BoxError> {
    let peak = |variant: &str| {
        samples
            .iter()
            .filter(|s| s.variant == variant)
            .map(|s| s.rss)
            .max()
            .unwrap_or(0)
    };
    let (naive_peak, guard_peak) = (peak("naive"), peak("claimguard"));
    let bound_f = bound as f64;
    let x_max = requests.max(1) as f64;
    let full = (naive_peak.max(guard_peak).max(bound) as f64 / MIB) * 1.08;
    let zoom = (guard_peak.max(bound) as f64 / MIB) * 1.3;

    let mut svg = String::new();
    writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="900" height="760" viewBox="0 0 900 760" font-family="Helvetica, Arial, sans-serif">"#
    )?;
    writeln!(svg, r#"<rect width="900" height="760" fill="white"/>"#)?;
    writeln!(
        svg,
        r#"<text x="450" y="28" font-size="17" font-weight="bold" text-anchor="middle">Resident memory over {} unique HS256 tokens</text>"#,
        requests_label(requests as f64)
    )?;
    panel(
        &mut svg,
        &Panel {
            title: "Full scale",
            top: 70.0,
            height: 230.0,
            y_max_mib: full,
        },
        samples,
        x_max,
        bound_f,
    )?;
    panel(
        &mut svg,
        &Panel {
            title: "Zoomed on claimguard (the naive curve leaves the top)",
            top: 470.0,
            height: 230.0,
            y_max_mib: zoom,
        },
        samples,
        x_max,
        bound_f,
    )?;
    // Legend, right of the panels.
    let legend = [
        (
            "#d62728",
            "",
            format!("naive HashMap, peak {:.1} MiB", naive_peak as f64 / MIB),
        ),
        (
            "#1f77b4",
            "",
            format!("claimguard, peak {:.1} MiB", guard_peak as f64 / MIB),
        ),
        (
            "#1f77b4",
            r#" stroke-dasharray="6 4""#,
            format!(
                "bound: baseline + CACHE_MAX_BYTES = {:.1} MiB",
                bound_f / MIB
            ),
        ),
    ];
    for (row, (color, dash, label)) in legend.iter().enumerate() {
        let y = 368.0 + row as f64 * 20.0;
        writeln!(
            svg,
            r#"<line x1="{LEFT}" y1="{y}" x2="{}" y2="{y}" stroke="{color}" stroke-width="2"{dash}/><text x="{}" y="{}" font-size="12">{label}</text>"#,
            LEFT + 28.0,
            LEFT + 36.0,
            y + 4.0
        )?;
    }
    writeln!(svg, "</svg>")?;
    Ok(svg)
}

fn requests_wanted(args: &[String]) -> Result<u64, BoxError> {
    if let Some(at) = args.iter().position(|a| a == "--requests") {
        let value = args.get(at + 1).ok_or("--requests needs a number")?;
        return Ok(value.replace('_', "").parse()?);
    }
    match std::env::var("SOAK_REQUESTS") {
        Ok(value) => Ok(value.replace('_', "").parse()?),
        Err(_) => Ok(DEFAULT_REQUESTS),
    }
}

fn main() -> Result<(), BoxError> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("child") {
        let variant = args.get(1).ok_or("child needs a variant")?;
        let requests = args.get(2).ok_or("child needs a count")?.parse()?;
        return child(variant, requests);
    }
    let requests = requests_wanted(&args)?;
    if requests == 0 {
        return Err("the number of requests must be at least 1".into());
    }
    let out = std::env::var_os("SOAK_OUT").map_or_else(
        || PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../docs/perf"),
        PathBuf::from,
    );

    let mut samples = Vec::new();
    for variant in VARIANTS {
        eprintln!("running {variant} with {requests} unique tokens in a fresh process...");
        samples.extend(run_child(variant, requests)?);
    }

    // The bound: the claimguard process before its first request, plus the
    // most its cache can ever account for.
    let baseline = samples
        .iter()
        .find(|s| s.variant == "claimguard" && s.requests == 0)
        .map_or(0, |s| s.rss);
    let bound = baseline + <User as Claims>::CACHE_MAX_BYTES as u64;

    std::fs::create_dir_all(&out)?;
    let mut csv = String::from("variant,requests,rss_bytes\n");
    for s in &samples {
        writeln!(csv, "{},{},{}", s.variant, s.requests, s.rss)?;
    }
    std::fs::write(out.join("soak.csv"), csv)?;
    std::fs::write(out.join("soak.svg"), chart(&samples, bound, requests)?)?;

    for variant in VARIANTS {
        let of = || samples.iter().filter(move |s| s.variant == variant);
        let peak = of().map(|s| s.rss).max().unwrap_or(0);
        let first = of().next().map_or(0, |s| s.rss);
        let last = of().next_back().map_or(0, |s| s.rss);
        println!(
            "{variant:>10}: baseline {:.1} MiB, peak {:.1} MiB, last {:.1} MiB",
            first as f64 / MIB,
            peak as f64 / MIB,
            last as f64 / MIB,
        );
    }
    println!(
        "claimguard bound: baseline {:.1} MiB + CACHE_MAX_BYTES {:.1} MiB = {:.1} MiB",
        baseline as f64 / MIB,
        <User as Claims>::CACHE_MAX_BYTES as f64 / MIB,
        bound as f64 / MIB,
    );
    println!("wrote {}/soak.csv and soak.svg", out.display());
    Ok(())
}
