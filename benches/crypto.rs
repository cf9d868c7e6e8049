//! Costs of the key hierarchy: `cargo bench --bench crypto`. Figures in benches/README.md.

#![allow(clippy::unwrap_used)] // a benchmark that cannot set up should stop loudly

use std::hint::black_box;
use std::io::Write;
use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use jubao::crypto::receipt::QueryCode;
use jubao::crypto::{self, Department, KdfParams, Key, Password, Reporter, Tip, User, Wrapped};

/// What filing a tip costs in keys: a fresh tip key, the 2 KiB report sealed to it, and the
/// tip key sealed for the department and the reporter — three X25519 recipients in all.
fn seal_tip(c: &mut Criterion) {
    let department = Key::<Department>::generate().public();
    let reporter = Key::<Reporter>::generate().public();
    let report = vec![b'x'; 2048];
    c.bench_function("seal a 2 KiB tip (tip key, body, department and reporter grants)", |b| {
        b.iter(|| {
            let tip = Key::<Tip>::generate();
            let body = tip.public().seal(black_box(&report)).unwrap();
            let for_department = tip.wrap_for(&department).unwrap();
            let for_reporter = tip.wrap_for(&reporter).unwrap();
            black_box((body, for_department, for_reporter))
        })
    });
}

fn derive_receipt_key(c: &mut Criterion) {
    let code = QueryCode::generate();
    let salt = crypto::new_salt();
    c.bench_function("derive the receipt key (Argon2id, receipt parameters)", |b| {
        b.iter(|| black_box(code.derive(&salt, KdfParams::RECEIPT).unwrap()))
    });
}

fn unwrap_user_key(c: &mut Criterion) {
    let salt = crypto::new_salt();
    let password = b"correct horse battery staple";
    let derived = crypto::derive::<Password>(password, &salt, KdfParams::PASSWORD).unwrap();
    let user = Key::<User>::generate();
    let sealed = user.wrap_for(&derived.key.public()).unwrap();
    let bytes = sealed.as_bytes().to_vec();
    let mut group = c.benchmark_group("login");
    group.sample_size(20).measurement_time(Duration::from_secs(10));
    group.bench_function("unwrap a user key (Argon2id, password parameters, then age)", |b| {
        b.iter(|| {
            let derived = crypto::derive::<Password>(black_box(password), &salt, KdfParams::PASSWORD).unwrap();
            black_box(Wrapped::<User>::from_bytes(bytes.clone()).open(&derived.key).unwrap())
        })
    });
    group.finish();
}

fn stream_encrypt(c: &mut Criterion) {
    const SIZE: usize = 100 * 1024 * 1024;
    let tip = Key::<Tip>::generate().public();
    let chunk = vec![0x5a; 64 * 1024];
    let mut group = c.benchmark_group("attachments");
    group.sample_size(10).throughput(Throughput::Bytes(SIZE as u64));
    group.bench_function("stream-encrypt 100 MiB", |b| {
        b.iter(|| {
            let mut writer = tip.seal_stream(std::io::sink()).unwrap();
            for _ in 0..SIZE / chunk.len() {
                writer.write_all(&chunk).unwrap();
            }
            writer.finish().unwrap();
        })
    });
    group.finish();
}

criterion_group!(benches, seal_tip, derive_receipt_key, unwrap_user_key, stream_encrypt);
criterion_main!(benches);
