//! Terminals: activation, new codes, operators, cancelling one terminal.

use super::*;

#[derive(Template)]
#[template(path = "terminals.html")]
pub(super) struct TerminalsPage {
    c: Ctx,
    terminals: Vec<kassa_api::terminals::TerminalView>,
    operators: std::collections::HashMap<String, Vec<String>>,
}

impl TerminalsPage {
    fn operators_of(&self, serial: &str) -> Vec<String> {
        self.operators.get(serial).cloned().unwrap_or_default()
    }
}

pub(super) async fn terminals_view(console: &Shared, c: Ctx) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/login").into_response() };
    let terminals = match console.office.my_terminals(actor.clone()).await {
        Ok(t) => t,
        Err(e) => return error_page(c, &e),
    };
    let mut operators = std::collections::HashMap::new();
    for t in terminals.iter().filter(|t| t.state == "active") {
        operators.insert(
            t.serial.clone(),
            console.office.operators(actor.clone(), t.serial.clone()).await.unwrap_or_default(),
        );
    }
    page(&c.clone(), &TerminalsPage { c, terminals, operators })
}

pub(super) async fn terminals_page(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = merchant(&c) {
        return r;
    }
    terminals_view(&console, c).await
}

#[derive(Debug, Deserialize)]
pub(super) struct ActivateForm {
    #[serde(default)]
    _csrf: String,
    serial: String,
    activation_code: String,
}

pub(super) async fn activate_terminal(
    State(console): State<Shared>,
    c: Ctx,
    Form(form): Form<ActivateForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console
        .office
        .activate_terminal(actor, form.serial.trim().to_string(), form.activation_code.trim().to_string())
        .await
    {
        Ok(t) => c.note(format!("✓ {} {}", t.serial, t.terminal_id)),
        Err(e) => c.fail(&e),
    };
    terminals_view(&console, c).await
}

pub(super) async fn terminal_code(
    State(console): State<Shared>,
    c: Ctx,
    Path(serial): Path<String>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.request_activation_code(actor, serial).await {
        Ok(()) => {
            let sent = c.t.s("code_sent");
            c.note(sent)
        }
        Err(e) => c.fail(&e),
    };
    terminals_view(&console, c).await
}

#[derive(Debug, Deserialize)]
pub(super) struct OperatorForm {
    #[serde(default)]
    _csrf: String,
    operator: String,
    password: String,
}

pub(super) async fn add_operator(
    State(console): State<Shared>,
    c: Ctx,
    Path(serial): Path<String>,
    Form(form): Form<OperatorForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = match console.office.set_operator(actor, serial, form.operator.trim().to_string(), form.password).await {
        Ok(_) => c,
        Err(e) => c.fail(&e),
    };
    terminals_view(&console, c).await
}

pub(super) async fn cancel_terminal_code(
    State(console): State<Shared>,
    c: Ctx,
    Path(_serial): Path<String>,
    Form(form): Form<CodeForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = code_sent(c, send_my_code(&console, &actor, OtpPurpose::Cancellation).await);
    terminals_view(&console, c).await
}

pub(super) async fn cancel_terminal(
    State(console): State<Shared>,
    c: Ctx,
    Path(serial): Path<String>,
    Form(form): Form<CodeForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c =
        match console.office.submit_cancellation(actor, None, Some(serial), Some(form.code.trim().to_string())).await {
            Ok(x) => {
                let note = format!("#{} {}", x.id, crate::i18n::state_text(&c.t, &x.state));
                c.note(note)
            }
            Err(e) => c.fail(&e),
        };
    terminals_view(&console, c).await
}
