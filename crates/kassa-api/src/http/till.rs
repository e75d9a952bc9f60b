//! The shop till's endpoints: the merchant's catalogue, settings, baskets and
//! figures (`/api/v1/merchant/till/…`), and the terminal's own
//! (`/api/v1/terminal/till/…`), signed with the terminal's key.

use axum::response::Response;

use super::*;
use crate::till::*;

/// Departments, by name.
#[utoipa::path(get, path = "/api/v1/merchant/till/departments", tag = "till",
    responses((status = 200, body = Vec<String>), (status = 401, body = ErrorBody)))]
pub(crate) async fn departments(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
) -> ApiResult<Json<Vec<String>>> {
    Ok(Json(office.till_departments(actor).await?))
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct DepartmentRequest {
    pub name: String,
}

/// Adds a department (at most 100); the departments after it.
#[utoipa::path(post, path = "/api/v1/merchant/till/departments", tag = "till", request_body = DepartmentRequest,
    responses((status = 201, body = Vec<String>), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_department(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Body(req): Body<DepartmentRequest>,
) -> ApiResult<(StatusCode, Json<Vec<String>>)> {
    Ok((StatusCode::CREATED, Json(office.add_till_department(actor, req.name).await?)))
}

/// Removes a department no item is in.
#[utoipa::path(delete, path = "/api/v1/merchant/till/departments/{name}", tag = "till", params(("name" = String, Path)),
    responses((status = 200, body = Done), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
pub(crate) async fn remove_department(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Path(name): Path<String>,
) -> ApiResult<Json<Done>> {
    office.remove_till_department(actor, name).await?;
    Ok(Json(DONE))
}

/// The catalogue, by code (filter by text, department, on sale or retired).
#[utoipa::path(get, path = "/api/v1/merchant/till/items", tag = "till", params(ItemFilter),
    responses((status = 200, body = Vec<ItemView>), (status = 401, body = ErrorBody)))]
pub(crate) async fn items(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Query(filter): Query<ItemFilter>,
) -> ApiResult<Json<Vec<ItemView>>> {
    Ok(Json(office.till_items(actor, filter).await?))
}

/// Adds an item.
#[utoipa::path(post, path = "/api/v1/merchant/till/items", tag = "till", request_body = ItemRequest,
    responses((status = 201, body = ItemView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn add_item(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Body(req): Body<ItemRequest>,
) -> ApiResult<(StatusCode, Json<ItemView>)> {
    Ok((StatusCode::CREATED, Json(office.put_till_item(actor, None, req).await?)))
}

/// One item.
#[utoipa::path(get, path = "/api/v1/merchant/till/items/{code}", tag = "till", params(("code" = String, Path)),
    responses((status = 200, body = ItemView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn item(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemView>> {
    Ok(Json(office.till_item(actor, code).await?))
}

/// Changes an item (its name, price, department, or `active` to retire it or put it back on sale).
#[utoipa::path(put, path = "/api/v1/merchant/till/items/{code}", tag = "till", params(("code" = String, Path)), request_body = ItemRequest,
    responses((status = 200, body = ItemView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn change_item(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Path(code): Path<String>,
    Body(req): Body<ItemRequest>,
) -> ApiResult<Json<ItemView>> {
    Ok(Json(office.put_till_item(actor, Some(code), req).await?))
}

/// Retires an item: off sale, kept on file for the baskets that name it.
#[utoipa::path(post, path = "/api/v1/merchant/till/items/{code}/retire", tag = "till", params(("code" = String, Path)),
    responses((status = 200, body = ItemView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn retire_item(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Path(code): Path<String>,
) -> ApiResult<Json<ItemView>> {
    Ok(Json(office.set_till_item_active(actor, code, false).await?))
}

/// The catalogue as CSV: `code,name,price,department,active`, prices in yuan.
#[utoipa::path(get, path = "/api/v1/merchant/till/items.csv", tag = "till",
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody)))]
pub(crate) async fn items_csv(State(office): State<Shared>, Caller(actor, _): Caller) -> ApiResult<impl IntoResponse> {
    Ok(csv_answer("catalogue.csv", office.till_items_csv(actor).await?))
}

/// Imports a catalogue CSV (the body; up to 4 MiB, 10,000 items): new codes
/// added, known ones changed, all in one commit — or, if any row is bad,
/// nothing, and every bad row is answered with its line and reason (`rows`).
#[utoipa::path(post, path = "/api/v1/merchant/till/items.csv", tag = "till", request_body(content = String, content_type = "text/csv"),
    responses((status = 200, body = ImportView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ImportRows)))]
pub(crate) async fn import_items(State(office): State<Shared>, Caller(actor, _): Caller, body: Bytes) -> Response {
    let Ok(text) = String::from_utf8(body.to_vec()) else {
        return ApiError::bad_request("not_utf8", "the CSV must be UTF-8").into_response();
    };
    match office.import_till_items(actor, text).await {
        Ok(view) => Json(view).into_response(),
        Err(ImportError::Rows(rows)) => (StatusCode::UNPROCESSABLE_ENTITY, Json(rows)).into_response(),
        Err(ImportError::Api(e)) => e.into_response(),
    }
}

/// The till's settings: customer segments and keyed prices.
#[utoipa::path(get, path = "/api/v1/merchant/till/settings", tag = "till",
    responses((status = 200, body = SettingsView), (status = 401, body = ErrorBody)))]
pub(crate) async fn settings(State(office): State<Shared>, Caller(actor, _): Caller) -> ApiResult<Json<SettingsView>> {
    Ok(Json(office.till_settings(actor).await?))
}

/// Sets the till's settings.
#[utoipa::path(put, path = "/api/v1/merchant/till/settings", tag = "till", request_body = SettingsRequest,
    responses((status = 200, body = SettingsView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn put_settings(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Body(req): Body<SettingsRequest>,
) -> ApiResult<Json<SettingsView>> {
    Ok(Json(office.put_till_settings(actor, req).await?))
}

/// The baskets of a period (default the last seven days), newest first, without their lines.
#[utoipa::path(get, path = "/api/v1/merchant/till/baskets", tag = "till", params(PeriodQuery),
    responses((status = 200, body = Vec<BasketView>), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn baskets(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<Vec<BasketView>>> {
    Ok(Json(office.baskets(actor, q).await?))
}

/// One basket, with its lines and what refunds took back.
#[utoipa::path(get, path = "/api/v1/merchant/till/baskets/{id}", tag = "till", params(("id" = i64, Path)),
    responses((status = 200, body = BasketView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub(crate) async fn basket(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Path(id): Path<String>,
) -> ApiResult<Json<BasketView>> {
    Ok(Json(office.basket(actor, id_of(&id, "basket")?).await?))
}

/// A period's sales figures (default the last seven days) against the period before.
#[utoipa::path(get, path = "/api/v1/merchant/till/analytics", tag = "till", params(PeriodQuery),
    responses((status = 200, body = AnalyticsView), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn analytics(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<Json<AnalyticsView>> {
    Ok(Json(office.till_analytics(actor, &q).await?))
}

/// One view of the figures (`view`: department, hour, segment, day, items) as CSV.
#[utoipa::path(get, path = "/api/v1/merchant/till/analytics.csv", tag = "till", params(PeriodQuery),
    responses((status = 200, content_type = "text/csv", body = String), (status = 401, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn analytics_csv(
    State(office): State<Shared>,
    Caller(actor, _): Caller,
    Query(q): Query<PeriodQuery>,
) -> ApiResult<impl IntoResponse> {
    let name = format!("sales-by-{}.csv", q.view.as_deref().unwrap_or("department"));
    Ok(csv_answer(&name, office.till_analytics_csv(actor, &q).await?))
}

fn csv_answer(name: &str, body: String) -> Response {
    let disposition = format!(
        "attachment; filename=\"{}\"",
        name.replace(|c: char| !c.is_ascii_alphanumeric() && c != '.' && c != '-', "")
    );
    (
        [
            (axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
            (axum::http::header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response()
}

/// A request from a terminal, its signature verified (`kassa_till::api`):
/// the terminal, its merchant, and the body.
#[derive(Debug)]
pub struct TerminalCall {
    pub terminal: kassa_core::TerminalId,
    pub merchant: kassa_core::MerchantId,
    pub body: Bytes,
}

impl FromRequest<Shared> for TerminalCall {
    type Rejection = ApiError;

    async fn from_request(req: Request, office: &Shared) -> Result<Self, Self::Rejection> {
        let (parts, body) = req.into_parts();
        let header = |name: &str| parts.headers.get(name).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let (terminal, time, mac) = (
            header(kassa_till::api::HEADER_TERMINAL),
            header(kassa_till::api::HEADER_TIME),
            header(kassa_till::api::HEADER_MAC),
        );
        if terminal.is_empty() || time.is_empty() || mac.is_empty() {
            return Err(ApiError::unauthorized("a terminal signs its request: Kassa-Terminal, Kassa-Time, Kassa-Mac"));
        }
        let body = axum::body::to_bytes(body, JSON_BODY_MAX)
            .await
            .map_err(|_| ApiError::new(StatusCode::PAYLOAD_TOO_LARGE, "body_too_large", "at most 64 KiB"))?;
        let path = parts.uri.path_and_query().map_or(parts.uri.path(), |p| p.as_str());
        let (terminal, merchant) =
            office.terminal_of_request(&terminal, &time, &mac, parts.method.as_str(), path, &body).await?;
        Ok(TerminalCall { terminal, merchant, body })
    }
}

fn json_of<T: DeserializeOwned>(body: &[u8]) -> ApiResult<T> {
    serde_json::from_slice(body)
        .map_err(|e| ApiError::new(StatusCode::UNPROCESSABLE_ENTITY, "invalid_body", e.to_string()))
}

/// The terminal's catalogue: its merchant's items on sale, departments and segments.
#[utoipa::path(get, path = "/api/v1/terminal/till/catalogue", tag = "terminal",
    responses((status = 200, body = CatalogueView), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody)))]
pub(crate) async fn terminal_catalogue(
    State(office): State<Shared>,
    call: TerminalCall,
) -> ApiResult<Json<CatalogueView>> {
    Ok(Json(office.terminal_catalogue(call.merchant).await?))
}

/// Records a basket the terminal's sale paid (201; sent again, 200 with the same basket).
#[utoipa::path(post, path = "/api/v1/terminal/till/baskets", tag = "terminal", request_body = BasketRequest,
    responses((status = 201, body = BasketView), (status = 200, body = BasketView), (status = 401, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn terminal_basket(
    State(office): State<Shared>,
    call: TerminalCall,
) -> ApiResult<(StatusCode, Json<BasketView>)> {
    let req: BasketRequest = json_of(&call.body)?;
    let (new, view) = office.record_till_basket(call.terminal, call.merchant, req).await?;
    Ok((if new { StatusCode::CREATED } else { StatusCode::OK }, Json(view)))
}

/// Records the items a refund took back of a basket.
#[utoipa::path(post, path = "/api/v1/terminal/till/returns", tag = "terminal", request_body = ReturnRequest,
    responses((status = 200, body = BasketView), (status = 401, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub(crate) async fn terminal_return(State(office): State<Shared>, call: TerminalCall) -> ApiResult<Json<BasketView>> {
    let req: ReturnRequest = json_of(&call.body)?;
    Ok(Json(office.record_till_return(call.terminal, call.merchant, req).await?))
}
