//! OpenAPI 3.1 documents: they load into the same model as 3.0, lint, and validate traffic with
//! their schemas read as JSON Schema 2020-12.

use std::path::PathBuf;

use specsmith::spec::{self, model::OpenApiVersion};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/openapi31")
        .join(name)
}

#[test]
fn yaml_3_1_loads_webhooks_path_items_dialect_and_default_server() {
    let spec = spec::load(&fixture("constructs.yaml")).expect("3.1 YAML loads");
    assert_eq!(spec.openapi_version, OpenApiVersion::V3_1);
    assert_eq!(
        spec.json_schema_dialect.as_deref(),
        Some("https://spec.openapis.org/oas/3.1/dialect/base")
    );
    assert_eq!(spec.servers.len(), 1);
    assert_eq!(spec.servers[0].url, "/", "no `servers` means `/`");
    let ids: Vec<&str> = spec.operations.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids, ["getPet", "listPets"]);
    let get_pet = spec.operation("getPet").expect("getPet through pathItems");
    assert_eq!(get_pet.path, "/pets/{petId}");
    assert_eq!(get_pet.pointer, "/components/pathItems/Pet/get");
    assert_eq!(
        get_pet.parameters.len(),
        1,
        "path-item parameters inherited"
    );
    assert_eq!(spec.webhooks.len(), 1);
    assert_eq!(spec.webhooks[0].path, "petAdopted");
    assert!(spec.webhooks[0].request_body.is_some());
}

#[test]
fn json_3_1_1_loads() {
    let spec = spec::load(&fixture("minimal.json")).expect("3.1.1 JSON loads");
    assert_eq!(spec.openapi_version, OpenApiVersion::V3_1);
    assert_eq!(spec.operations.len(), 1);
    assert!(spec.webhooks.is_empty());
}

#[test]
fn swagger_2_names_a_converter() {
    let path =
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/specs/err_swagger2.yaml");
    let err = spec::load(&path).expect_err("2.0 is refused");
    let text = format!("{err:?}");
    assert!(text.contains("swagger2openapi"), "{text}");
    assert!(text.contains("converter.swagger.io"), "{text}");
}
