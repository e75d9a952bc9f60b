//! Account cancellation: the live checklist, documents, submission and withdrawal.

use super::*;

#[derive(Template)]
#[template(path = "cancellation.html")]
pub(super) struct CancellationPage {
    c: Ctx,
    items: Vec<kassa_merchant::cancellation::Item>,
    ready: bool,
    current: Option<kassa_api::cancellation::CancellationView>,
    open: Option<i64>,
}

impl CancellationPage {
    /// The portal page that fixes an item (the checklist names API paths).
    fn fix_link(&self, api: &str) -> String {
        let path = api.split('?').next().unwrap_or(api).replace("/api/v1/merchant", "");
        match path.as_str() {
            "/cancellation/documents" => "#doc-id_front".into(),
            "" => "/".into(),
            other => other.to_string(),
        }
    }
}

pub(super) async fn cancellation_view(console: &Shared, c: Ctx) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/login").into_response() };
    match console.office.cancellation_checklist(actor, None).await {
        Ok(list) => {
            let open =
                list.cancellation.as_ref().filter(|x| x.state == "submitted" || x.state == "cooling_off").map(|x| x.id);
            page(
                &c.clone(),
                &CancellationPage { c, items: list.items, ready: list.ready, current: list.cancellation, open },
            )
        }
        Err(e) => error_page(c, &e),
    }
}

pub(super) async fn cancellation_page(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = merchant(&c) {
        return r;
    }
    cancellation_view(&console, c).await
}

pub(super) async fn cancellation_code(State(console): State<Shared>, c: Ctx, Form(form): Form<CsrfForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = code_sent(c, send_my_code(&console, &actor, OtpPurpose::Cancellation).await);
    cancellation_view(&console, c).await
}

pub(super) async fn submit_cancellation(State(console): State<Shared>, c: Ctx, Form(form): Form<CodeForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.submit_cancellation(actor, None, None, Some(form.code.trim().to_string())).await {
        Ok(_) => Redirect::to("/cancellation").into_response(),
        Err(e) => cancellation_view(&console, c.fail(&e)).await,
    }
}

pub(super) async fn withdraw_cancellation(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.withdraw_cancellation(actor, id).await {
        Ok(_) => Redirect::to("/cancellation").into_response(),
        Err(e) => cancellation_view(&console, c.fail(&e)).await,
    }
}
