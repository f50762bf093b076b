//! The tutorials' protected products API: DRF's `ListCreateAPIView` and
//! `RetrieveUpdateDestroyAPIView` over `ProductSerializer`, with `IsAuthenticated` and
//! django-filter's `ItemFilter`. This is the worked example of docs/protect-your-route.md.
//!
//! Order of checks, as DRF runs them: authentication (the [`Authenticated`] extractor comes
//! first, so 401 wins), then the method (the resource's 405 helper), then on detail views the
//! object lookup (404), and only then the body ([`Body`] holds its 400/413/415 until asked)
//! and its validation. Storage runs on the blocking pool.

use super::{NewProduct, Price, Product, ProductChanges, ProductFilter};
use crate::services::Services;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{NaiveDateTime, Timelike};
use latchkey_actix::{ApiError, Authenticated, Body, render};
use latchkey_drf::decimal::{DecimalField, Quantized, number_filter};
use latchkey_drf::fields::{CharField, NULL, NULL_CHARACTERS, REQUIRED};
use latchkey_drf::python_str::{lone_surrogate, number_str};
use latchkey_drf::{Charset, FieldErrors, parse_urlencoded};
use serde_json::{Map, Value, json};

/// `get_object_or_404`'s message for the `Product` model.
pub const PRODUCT_NOT_FOUND: &str = "No Product matches the given query.";

/// `DecimalField(max_digits=10, decimal_places=2)`, as `ModelSerializer` maps the model field.
const PRICE: DecimalField = DecimalField { max_digits: 10, decimal_places: 2 };
const NAME_MAX_LENGTH: usize = 200;

/// `GET /products/` (and HEAD): the products the query selects, ordered by id.
// actix-web leaves HEAD's body out and keeps GET's `Content-Length`, as DRF does.
#[utoipa::path(get, path = "/products/", tag = "products", operation_id = "products_list", summary = "List products", security(("Bearer" = []), ("Token" = [])),
    params(
        ("name" = Option<String>, Query, description = "Names containing this, case-insensitively.", pattern = "^[^\\u0000]*$"),
        ("min_price" = Option<f64>, Query, maximum = 1e50, description = "Products at this price or above (django-filter's `NumberFilter`: at most 1e50)."),
        ("max_price" = Option<f64>, Query, maximum = 1e50, description = "Products at this price or below."),
    ),
    responses(
        (status = 200, description = "The products the filters select, by id.", body = Vec<crate::openapi::Product>),
        (status = 400, description = "A filter that is not a number.", body = crate::openapi::BadRequest),
    ))]
pub async fn list(_: Authenticated, req: HttpRequest, services: web::Data<Services>) -> Result<HttpResponse, ApiError> {
    let filter = item_filter(req.query_string())?;
    let products = services.products.clone();
    let products = services.blocking(move || products.list(&filter)).await??;
    let body: Vec<Value> = products.iter().map(|p| representation(p, None)).collect();
    Ok(render::ok(&body))
}

/// `POST /products/`: 201 with the new product, no `Location`.
#[utoipa::path(post, path = "/products/", tag = "products", operation_id = "products_create", summary = "Create a product", security(("Bearer" = []), ("Token" = [])),
    request_body = crate::openapi::ProductInput,
    responses((status = 201, description = "The new product.", body = crate::openapi::Product)))]
pub async fn create(_: Authenticated, services: web::Data<Services>, body: Body) -> Result<HttpResponse, ApiError> {
    let data = body.into_object()?;
    let input = ProductInput::read(&data, Mode::Create)?;
    let (Some(name), Some(price)) = (input.name, input.price) else {
        return Err(ApiError::internal("validated fields missing"));
    };
    let new = NewProduct { name, description: input.description.unwrap_or_default(), price: to_price(&price)? };
    let products = services.products.clone();
    let product = services.blocking(move || products.create(&new)).await??;
    Ok(render::json(StatusCode::CREATED, &representation(&product, Some(&price))))
}

/// `GET /products/{id}/` (and HEAD).
#[utoipa::path(get, path = "/products/{id}/", tag = "products", operation_id = "products_retrieve", summary = "A product", security(("Bearer" = []), ("Token" = [])), params(("id" = u64, Path, description = "The product's id.")),
    responses((status = 200, description = "The product.", body = crate::openapi::Product), (status = 404, description = "`No Product matches the given query.`", body = crate::openapi::Detail)))]
pub async fn retrieve(
    _: Authenticated,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let product = find(&services, &id).await?;
    Ok(render::ok(&representation(&product, None)))
}

/// `PUT /products/{id}/`: name and price required, an omitted description kept.
#[utoipa::path(put, path = "/products/{id}/", tag = "products", operation_id = "products_update", summary = "Replace a product", security(("Bearer" = []), ("Token" = [])), params(("id" = u64, Path, description = "The product's id.")),
    request_body = crate::openapi::ProductInput,
    responses((status = 200, description = "The product as saved.", body = crate::openapi::Product), (status = 404, description = "`No Product matches the given query.`", body = crate::openapi::Detail)))]
pub async fn update(
    _: Authenticated,
    id: web::Path<String>,
    services: web::Data<Services>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    save(&services, &id, body, Mode::Replace).await
}

/// `PATCH /products/{id}/`: any subset of the fields; `{}` changes nothing.
#[utoipa::path(patch, path = "/products/{id}/", tag = "products", operation_id = "products_partial_update", summary = "Change some of a product's fields", security(("Bearer" = []), ("Token" = [])), params(("id" = u64, Path, description = "The product's id.")),
    request_body = Option<crate::openapi::ProductPatch>,
    responses((status = 200, description = "The product as saved.", body = crate::openapi::Product), (status = 404, description = "`No Product matches the given query.`", body = crate::openapi::Detail)))]
pub async fn partial_update(
    _: Authenticated,
    id: web::Path<String>,
    services: web::Data<Services>,
    body: Body,
) -> Result<HttpResponse, ApiError> {
    save(&services, &id, body, Mode::Partial).await
}

/// `DELETE /products/{id}/`: 204 with an empty body.
#[utoipa::path(delete, path = "/products/{id}/", tag = "products", operation_id = "products_destroy", summary = "Delete a product", security(("Bearer" = []), ("Token" = [])), params(("id" = u64, Path, description = "The product's id.")),
    responses((status = 204, description = "Deleted."), (status = 404, description = "`No Product matches the given query.`", body = crate::openapi::Detail)))]
pub async fn destroy(
    _: Authenticated,
    id: web::Path<String>,
    services: web::Data<Services>,
) -> Result<HttpResponse, ApiError> {
    let id = parse_id(&id)?;
    let products = services.products.clone();
    if services.blocking(move || products.delete(id)).await?? {
        Ok(HttpResponse::NoContent().finish())
    } else {
        Err(ApiError::NotFound(PRODUCT_NOT_FOUND))
    }
}

/// DRF's `UpdateModelMixin.update`: the object first (404 before the body is even parsed),
/// then the body, its validation, the save, and the instance as it now is in memory.
async fn save(services: &Services, id: &str, body: Body, mode: Mode) -> Result<HttpResponse, ApiError> {
    let existing = find(services, id).await?;
    let data = body.into_object()?;
    let input = ProductInput::read(&data, mode)?;
    let changes = ProductChanges {
        name: input.name,
        description: input.description,
        price: input.price.as_ref().map(to_price).transpose()?,
    };
    let products = services.products.clone();
    let product_id = existing.id;
    let saved = services.blocking(move || products.update(product_id, &changes)).await??;
    // Deleted between the lookup and the save: Django's save() would insert it again; a 404
    // is the honest answer.
    let product = saved.ok_or(ApiError::NotFound(PRODUCT_NOT_FOUND))?;
    Ok(render::ok(&representation(&product, input.price.as_ref())))
}

async fn find(services: &Services, id: &str) -> Result<Product, ApiError> {
    let id = parse_id(id)?;
    let products = services.products.clone();
    services.blocking(move || products.get(id)).await??.ok_or(ApiError::NotFound(PRODUCT_NOT_FOUND))
}

/// The `{id}` segment (digits only, by the route's pattern). Django's `<int:pk>` takes any
/// number of digits; one beyond the 64-bit key range names no product.
fn parse_id(id: &str) -> Result<i64, ApiError> {
    id.parse::<i64>().map_err(|_| ApiError::NotFound(PRODUCT_NOT_FOUND))
}

// ---- the serializer -------------------------------------------------------------------------

/// Which of DRF's serializer calls reads the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// `POST`: name and price required.
    Create,
    /// `PUT`: the same rules on an existing object.
    Replace,
    /// `PATCH` (`partial=True`): a missing field is skipped, a present one validated as usual.
    Partial,
}

/// `ProductSerializer`'s writable fields, validated. `id` and `created_at` are read-only and,
/// like any unknown key, ignored.
struct ProductInput {
    name: Option<String>,
    description: Option<String>,
    /// Kept as validated (not as cents) so that the response shows `-0.00` for `-0`, as
    /// DRF's in-memory instance does.
    price: Option<Quantized>,
}

impl ProductInput {
    /// The fields in declaration order (name, description, price), every error collected.
    fn read(data: &Map<String, Value>, mode: Mode) -> Result<ProductInput, ApiError> {
        let mut errors = FieldErrors::new();
        let partial = mode == Mode::Partial;
        let present = |field: &str| !partial || data.contains_key(field);
        let name = if present("name") {
            CharField::new("name").max_length(NAME_MAX_LENGTH).read(data, &mut errors)
        } else {
            None
        };
        // TextField(blank=True): optional and blank allowed.
        let description = CharField::new("description").optional().allow_blank().read(data, &mut errors);
        let price = if present("price") { read_price(data, &mut errors) } else { None };
        errors.into_result()?;
        Ok(ProductInput { name, description, price })
    }
}

/// DRF's `DecimalField.run_validation` for the required `price`.
fn read_price(data: &Map<String, Value>, errors: &mut FieldErrors) -> Option<Quantized> {
    let fail = |errors: &mut FieldErrors, message: String| {
        errors.add("price", message);
        None
    };
    match data.get("price") {
        None => fail(errors, REQUIRED.to_owned()),
        Some(Value::Null) => fail(errors, NULL.to_owned()),
        Some(value) => PRICE.to_internal_value(&python_str(value)).map_err(|e| fail(errors, e.to_string())).ok(),
    }
}

/// The validated price as the store keeps it. DRF's checks bound it to ±99999999.99, which
/// is exactly the column's range.
fn to_price(price: &Quantized) -> Result<Price, ApiError> {
    i64::try_from(price.signed_units())
        .ok()
        .and_then(|cents| Price::from_cents(cents).ok())
        .ok_or_else(|| ApiError::internal(format!("validated price {price} out of range")))
}

/// `ProductSerializer(instance).data`: key order id, name, description, price, created_at.
/// `price` is the value just validated when there is one (DRF serializes the saved instance
/// from memory, where `-0` is still `-0.00`), else the stored one.
fn representation(product: &Product, validated_price: Option<&Quantized>) -> Value {
    let price = validated_price.map_or_else(|| product.price.to_string(), Quantized::to_string);
    json!({
        "id": product.id,
        "name": product.name,
        "description": product.description,
        "price": price,
        "created_at": drf_datetime(product.created_at),
    })
}

/// DRF's `DateTimeField.to_representation` for a UTC time: `isoformat()` (microseconds only
/// when not zero) with `+00:00` written `Z`.
fn drf_datetime(at: NaiveDateTime) -> String {
    let micros = at.nanosecond() / 1_000;
    let seconds = at.format("%Y-%m-%dT%H:%M:%S");
    if micros == 0 { format!("{seconds}Z") } else { format!("{seconds}.{micros:06}Z") }
}

/// Python's `str()` of a value of the parsed body, which is what DRF's `DecimalField` reads:
/// numbers as Python prints them, `True`/`False`, lists and objects as their `repr`.
fn python_str(value: &Value) -> String {
    match value {
        Value::String(s) => s.clone(),
        Value::Number(n) => number_str(n),
        other => python_repr(other),
    }
}

/// Python's `repr()` of a parsed JSON value. DRF only ever looks at its length here (a list
/// is never a number, but one printing over 1000 characters is "String value too large."),
/// so strings are escaped by the common rules only: backslash, the quote, `\n`, `\r`, `\t`
/// and other control characters, lone surrogates.
fn python_repr(value: &Value) -> String {
    match value {
        Value::Null => "None".to_owned(),
        Value::Bool(true) => "True".to_owned(),
        Value::Bool(false) => "False".to_owned(),
        Value::Number(n) => number_str(n),
        Value::String(s) => string_repr(s),
        Value::Array(items) => format!("[{}]", items.iter().map(python_repr).collect::<Vec<_>>().join(", ")),
        Value::Object(map) => format!(
            "{{{}}}",
            map.iter().map(|(k, v)| format!("{}: {}", string_repr(k), python_repr(v))).collect::<Vec<_>>().join(", ")
        ),
    }
}

fn string_repr(s: &str) -> String {
    let quote = if s.contains('\'') && !s.contains('"') { '"' } else { '\'' };
    let mut out = String::with_capacity(s.len() + 2);
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            _ if c == quote => {
                out.push('\\');
                out.push(c);
            }
            _ => {
                if let Some(code) = lone_surrogate(c) {
                    out.push_str(&format!("\\u{code:04x}"));
                } else if c.is_control() {
                    out.push_str(&format!("\\x{:02x}", u32::from(c)));
                } else {
                    out.push(c);
                }
            }
        }
    }
    out.push(quote);
    out
}

// ---- the filter -----------------------------------------------------------------------------

/// django-filter's `ItemFilter` over the query string: `name` (`icontains`), `min_price`
/// (`gte`), `max_price` (`lte`). Django's `QueryDict` semantics (last value wins, `+` is a
/// space); empty values and unknown parameters are ignored; errors in field order.
fn item_filter(query: &str) -> Result<ProductFilter, ApiError> {
    let params = parse_urlencoded(query.as_bytes(), Charset::Utf8);
    let value = |key: &str| params.get(key).and_then(Value::as_str).filter(|v| !v.is_empty());
    let mut errors = FieldErrors::new();
    let mut filter = ProductFilter::default();

    // forms.CharField: stripped; blank after stripping means no filter.
    if let Some(name) = value("name").map(latchkey_drf::python_str::strip).filter(|name| !name.is_empty()) {
        if name.contains('\0') {
            errors.add("name", NULL_CHARACTERS);
        } else {
            filter.name = Some(name.to_owned());
        }
    }
    if let Some(raw) = value("min_price") {
        match number_filter(raw) {
            Ok(min) => filter.min_cents = min.min_cents(),
            Err(message) => errors.add("min_price", message),
        }
    }
    if let Some(raw) = value("max_price") {
        match number_filter(raw) {
            Ok(max) => filter.max_cents = max.max_cents(),
            Err(message) => errors.add("max_price", message),
        }
    }
    errors.into_result()?;
    Ok(filter)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::ops::Bound::{Excluded, Included, Unbounded};

    fn errors_of(result: Result<ProductFilter, ApiError>) -> Value {
        match result {
            Err(ApiError::Request(latchkey_drf::RequestError::ValidationError(errors))) => errors.to_value(),
            other => panic!("expected a validation error, got {other:?}"),
        }
    }

    #[test]
    fn filters_read_like_django_filter() {
        let filter = item_filter("name=gad&min_price=5&max_price=1e1").expect("valid");
        assert_eq!(
            filter,
            ProductFilter { name: Some("gad".into()), min_cents: Included(500), max_cents: Included(1000) }
        );
        assert_eq!(item_filter("name=&min_price=&max_price=").expect("valid"), ProductFilter::default());
        assert_eq!(item_filter("name=gad&name=widget").expect("valid").name.as_deref(), Some("widget"));
        assert_eq!(item_filter("name=+gizmo+d+").expect("valid").name.as_deref(), Some("gizmo d"));
        assert_eq!(item_filter("name=%20%20").expect("valid").name, None);
        assert_eq!(item_filter("name=50%25&foo=bar&ordering=-id").expect("valid").name.as_deref(), Some("50%"));
        assert_eq!(item_filter("min_price=4.999&max_price=4.999").expect("valid").min_cents, Included(500));
        assert_eq!(item_filter("min_price=1e30").expect("valid").min_cents, Excluded(i64::MAX));
        assert_eq!(item_filter("max_price=-1e30").expect("valid").max_cents, Excluded(i64::MIN));
        assert_eq!(item_filter("max_price=1e30").expect("valid").max_cents, Unbounded);
        assert_eq!(item_filter("min_price=+5+").expect("valid").min_cents, Included(500));
    }

    #[test]
    fn filter_errors_in_field_order() {
        assert_eq!(errors_of(item_filter("min_price=abc")), json!({"min_price": ["Enter a number."]}));
        assert_eq!(errors_of(item_filter("max_price=NaN")), json!({"max_price": ["Enter a number."]}));
        assert_eq!(errors_of(item_filter("max_price=1%2C5")), json!({"max_price": ["Enter a number."]}));
        assert_eq!(
            errors_of(item_filter("max_price=y&min_price=x")),
            json!({"min_price": ["Enter a number."], "max_price": ["Enter a number."]})
        );
        assert_eq!(
            errors_of(item_filter("min_price=1e51&name=a%00b")),
            json!({"name": [NULL_CHARACTERS], "min_price": ["Ensure this value is less than or equal to 1e+50."]})
        );
        assert_eq!(errors_of(item_filter("min_price=+")), json!({"min_price": ["Enter a number."]}));
    }

    /// The validated (name, description, price) as text, or the 400 body.
    type Read = Result<(Option<String>, Option<String>, Option<String>), Value>;

    fn read(data: Value, mode: Mode) -> Read {
        let Value::Object(map) = data else { panic!("not an object") };
        match ProductInput::read(&map, mode) {
            Ok(input) => Ok((input.name, input.description, input.price.map(|p| p.to_string()))),
            Err(ApiError::Request(latchkey_drf::RequestError::ValidationError(errors))) => Err(errors.to_value()),
            Err(other) => panic!("{other:?}"),
        }
    }

    #[test]
    fn serializer_fields() {
        let some = |s: &str| Some(s.to_owned());
        assert_eq!(read(json!({"name": " W ", "price": 10}), Mode::Create), Ok((some("W"), None, some("10.00"))));
        assert_eq!(read(json!({"name": "W", "price": 1.5}), Mode::Create), Ok((some("W"), None, some("1.50"))));
        assert_eq!(read(json!({"name": "W", "price": 9.99}), Mode::Create), Ok((some("W"), None, some("9.99"))));
        assert_eq!(read(json!({"name": "W", "price": "-0"}), Mode::Create), Ok((some("W"), None, some("-0.00"))));
        assert_eq!(
            read(json!({"name": "W", "price": "1", "description": "  d ", "id": 1, "created_at": "x"}), Mode::Create),
            Ok((some("W"), some("d"), some("1.00")))
        );
        assert_eq!(read(json!({}), Mode::Create), Err(json!({"name": [REQUIRED], "price": [REQUIRED]})));
        assert_eq!(read(json!({"name": "x"}), Mode::Replace), Err(json!({"price": [REQUIRED]})));
        assert_eq!(read(json!({}), Mode::Partial), Ok((None, None, None)));
        assert_eq!(read(json!({"price": "7.5"}), Mode::Partial), Ok((None, None, some("7.50"))));
        assert_eq!(
            read(json!({"price": "abc", "name": ""}), Mode::Partial),
            Err(json!({"name": ["This field may not be blank."], "price": ["A valid number is required."]}))
        );
        assert_eq!(
            read(json!({"name": null, "price": null, "description": null}), Mode::Create),
            Err(json!({"name": [NULL], "description": [NULL], "price": [NULL]}))
        );
        assert_eq!(
            read(json!({"name": "x".repeat(201), "price": true}), Mode::Create),
            Err(
                json!({"name": ["Ensure this field has no more than 200 characters."], "price": ["A valid number is required."]})
            )
        );
        assert_eq!(
            read(json!({"name": "x", "price": 1e16}), Mode::Create),
            Err(json!({"price": ["Ensure that there are no more than 10 digits in total."]}))
        );
        assert_eq!(
            read(json!({"name": "x", "price": [1]}), Mode::Create),
            Err(json!({"price": ["A valid number is required."]}))
        );
        // str(['x'] * 200) is exactly 1000 characters long.
        let long_list = Value::Array(vec![json!("x"); 201]);
        assert_eq!(
            read(json!({"name": "x", "price": long_list}), Mode::Create),
            Err(json!({"price": ["String value too large."]}))
        );
        let short_list = Value::Array(vec![json!("x"); 200]);
        assert_eq!(
            read(json!({"name": "x", "price": short_list}), Mode::Create),
            Err(json!({"price": ["A valid number is required."]}))
        );
    }

    #[test]
    fn python_reprs() {
        assert_eq!(
            python_repr(&json!([1, 1.5, "a'b", "c\"d'", null, true, {"k": [false]}])),
            r#"[1, 1.5, "a'b", 'c"d\'', None, True, {'k': [False]}]"#
        );
        assert_eq!(python_repr(&json!(["\n\u{1}\\"])), r"['\n\x01\\']");
    }

    #[test]
    fn datetimes_print_like_drf() {
        let at = |s: &str| NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S%.f").expect("time");
        assert_eq!(drf_datetime(at("2026-01-02 03:04:05.000000")), "2026-01-02T03:04:05Z");
        assert_eq!(drf_datetime(at("2026-01-02 03:04:05.000120")), "2026-01-02T03:04:05.000120Z");
        assert_eq!(drf_datetime(at("2026-01-02 03:04:05.5")), "2026-01-02T03:04:05.500000Z");
    }
}
