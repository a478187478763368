//! Temporary probe.
#[macro_use]
mod common;
use common::*;
use olive_storage::Store;
use olive_storage::actions::{NewGesture, Decision, CloseCase, StepAction};
use olive_storage::cases::CaseEdit;
use olive_domain::gesture::GestureStatus;
use olive_domain::case::{CloseOutcome, RootCause};

async fn run<F, Fut>(label: &str, n: usize, f: F) where F: Fn() -> Fut, Fut: std::future::Future<Output = Result<(), String>> + Send + 'static {
    let started = std::time::Instant::now();
    let tasks: Vec<_> = (0..n).map(|_| tokio::spawn(f())).collect();
    let mut errs = Vec::new();
    for t in tasks { if let Err(e) = t.await.unwrap() { errs.push(e); } }
    let timeouts = errs.iter().filter(|e| e.contains("timed out")).count();
    eprintln!("{label}: elapsed {:?} errors {} timeouts {}", started.elapsed(), errs.len(), timeouts);
}

both!(probe);
async fn probe(store: Store) {
    let org = org(&store).await;
    let now = tuesday_10am();
    let c = create(&store, &org.dental_front, report(&org.dental, "appointment-not-in-book", "A"), now).await;
    let id = c.summary.id.clone();
    let (s, a, i) = (store.clone(), org.dental_front.clone(), id.clone());
    run("give", 24, move || { let (s, a, i) = (s.clone(), a.clone(), i.clone()); async move {
        s.give_gesture(&a, &i, NewGesture { kind: "coffee".into(), value_cents: 10_00, note: String::new() }, None, now).await.map(|_| ()).map_err(|e| e.to_string()) } }).await;
    let (_, gid, _) = store.give_gesture(&org.dental_front, &id, NewGesture { kind: "flowers".into(), value_cents: 300_00, note: String::new() }, None, now).await.unwrap();
    let (s, m, i) = (store.clone(), org.dental_manager.clone(), id.clone());
    run("approve", 24, move || { let (s, m, i, g) = (s.clone(), m.clone(), i.clone(), gid.clone()); async move {
        s.gesture_action(&m, &i, &g, GestureStatus::Approved, Decision::default(), now).await.map(|_| ()).map_err(|e| e.to_string()) } }).await;
    let (s, a, i) = (store.clone(), org.dental_front.clone(), id.clone());
    run("noop edit", 24, move || { let (s, a, i) = (s.clone(), a.clone(), i.clone()); async move {
        s.edit_case(&a, &i, CaseEdit::default(), now).await.map(|_| ()).map_err(|e| e.to_string()) } }).await;
    for st in &c.steps[..5] { store.step_action(&org.dental_front, &id, &st.id, true, skip_because("x"), now).await.unwrap(); }
    let _ = StepAction::default();
    store.close(&org.dental_manager, &id, CloseCase { outcome: CloseOutcome::NotRecovered, root_cause: RootCause::Process, prevention_note: None }, now).await.unwrap();
    let (s, m, i) = (store.clone(), org.dental_manager.clone(), id.clone());
    run("reopen", 24, move || { let (s, m, i) = (s.clone(), m.clone(), i.clone()); async move {
        s.reopen(&m, &i, reason("again"), now).await.map(|_| ()).map_err(|e| e.to_string()) } }).await;
}
