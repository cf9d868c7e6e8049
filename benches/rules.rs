//! Costs of the pure rules on every request that touches a tip: `cargo bench --bench rules`.
//! Figures in benches/README.md.

#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use jubao::domain::deadline_rules::{self, Days, Times};
use jubao::domain::lifecycle::{self, Facts, Step};
use jubao::domain::reward::{self, Outcome};
use jubao::domain::reward_policy::Basis;
use jubao::domain::routing::{self, LocalUnit};
use jubao::domain::{AccidentGrade, Code, Kind, TipStatus, Yuan};
use jubao::seeds::SeedSet;

fn reward_quote(c: &mut Criterion) {
    let policy = SeedSet::builtin().unwrap().reward_policy;
    let fine = Basis::Fine(Yuan(1_000_000));
    let concealed = Basis::Concealed { grade: AccidentGrade::Larger, deaths: 4 };
    c.bench_function("reward quote (fine)", |b| b.iter(|| policy.quote(Kind::Violation, black_box(&fine)).unwrap()));
    c.bench_function("reward quote (concealed accident)", |b| {
        b.iter(|| policy.quote(Kind::ConcealedAccident, black_box(&concealed)).unwrap())
    });
    c.bench_function("accident grade", |b| {
        b.iter(|| AccidentGrade::from_consequences(black_box(4), black_box(12), black_box(20_000_000)))
    });
    let facts = reward::Facts {
        kind: Kind::Violation,
        outcome: Some(Outcome::Substantiated),
        previously_known: false,
        supervisory_duty: false,
        is_duplicate: false,
        accepted_later_than_another: false,
    };
    c.bench_function("reward eligibility", |b| b.iter(|| reward::eligibility(black_box(facts))));
}

fn lifecycle_and_deadlines(c: &mut Criterion) {
    let facts = Facts { extended: false, pending: Some(Step::ProposeConclusion) };
    c.bench_function("lifecycle step", |b| {
        b.iter(|| lifecycle::after(black_box(TipStatus::Verifying), black_box(Step::ApproveConclusion), facts))
    });
    let times =
        Times { received_at: 1_700_000_000, accepted_at: Some(1_700_100_000), extension_days: 30, objected_at: None };
    let days = Days { acknowledge: 7, conclude: 60, review: 30 };
    c.bench_function("deadline", |b| b.iter(|| deadline_rules::due(black_box(TipStatus::Verifying), times, days)));
}

fn route(c: &mut Criterion) {
    let code = |s: &str| Code::parse(s).unwrap();
    let units: Vec<LocalUnit> = (0..43)
        .map(|i| LocalUnit {
            code: code(&format!("emergency-{i}")),
            parent: code("emergency"),
            district: code(&format!("5001{i:02}")),
        })
        .collect();
    let (responsible, district, office) = (code("emergency"), code("500142"), code("safety-office"));
    c.bench_function("route (43 local units)", |b| {
        b.iter(|| routing::route(black_box(&responsible), black_box(&district), &units, &office, |_| true))
    });
}

criterion_group!(benches, reward_quote, lifecycle_and_deadlines, route);
criterion_main!(benches);
