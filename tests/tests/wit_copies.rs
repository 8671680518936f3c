//! One source of truth for the contract: the WIT copy a guest SDK carries matches `wit/`.

#[test]
fn rust_sdk_wit_matches_the_contract() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let contract = std::fs::read_to_string(root.join("wit/handler.wit")).unwrap_or_default();
    assert!(contract.contains("package lambda:handler@0.1.0;"));
    let copy = std::fs::read_to_string(root.join("guest-sdk/rust/wit/handler.wit")).unwrap_or_default();
    assert!(
        copy == contract,
        "guest-sdk/rust/wit/handler.wit differs from wit/handler.wit: copy it again"
    );
}
