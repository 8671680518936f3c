//! One source of truth for the contract: every copy of the WIT a guest SDK carries matches `wit/`.

#[test]
fn sdk_wit_matches_the_contract() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let contract = std::fs::read_to_string(root.join("wit/handler.wit")).unwrap_or_default();
    assert!(contract.contains("package lambda:handler@0.1.0;"));
    for copy in ["guest-sdk/rust/wit/handler.wit"] {
        let text = std::fs::read_to_string(root.join(copy)).unwrap_or_default();
        assert!(
            text == contract,
            "{copy} differs from wit/handler.wit: copy it again"
        );
    }
}
