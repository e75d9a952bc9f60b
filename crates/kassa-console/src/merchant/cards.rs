//! My bank cards: bind, make the settlement card, delete (payment password, then the SMS code).

use super::*;

#[derive(Template)]
#[template(path = "cards.html")]
pub(super) struct CardsPage {
    c: Ctx,
    cards: Vec<CardView>,
    card_number: String,
    holder: String,
}

pub(super) async fn cards_view(console: &Shared, c: Ctx, card_number: String, holder: String) -> Response {
    let Some(actor) = c.actor.clone() else { return Redirect::to("/login").into_response() };
    match console.office.cards(actor).await {
        Ok(cards) => page(&c.clone(), &CardsPage { c, cards, card_number, holder }),
        Err(e) => error_page(c, &e),
    }
}

pub(super) async fn cards_page(State(console): State<Shared>, c: Ctx) -> Response {
    if let Err(r) = merchant(&c) {
        return r;
    }
    cards_view(&console, c, String::new(), String::new()).await
}

#[derive(Debug, Deserialize)]
pub(super) struct BindForm {
    #[serde(default)]
    _csrf: String,
    #[serde(default)]
    card_number: String,
    #[serde(default)]
    holder: String,
    #[serde(default)]
    code: String,
}

pub(super) async fn bind_code(State(console): State<Shared>, c: Ctx, Form(form): Form<BindForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let c = code_sent(c, send_my_code(&console, &actor, OtpPurpose::BindCard).await);
    cards_view(&console, c, form.card_number, form.holder).await
}

pub(super) async fn bind_card(State(console): State<Shared>, c: Ctx, Form(form): Form<BindForm>) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let number: String = form.card_number.chars().filter(|ch| !ch.is_whitespace()).collect();
    match console.office.bind_card(actor, number, form.holder.trim().to_string(), form.code.trim().to_string()).await {
        Ok(card) => {
            let note = format!("✓ {}", card.card_number);
            cards_view(&console, c.note(note), String::new(), String::new()).await
        }
        Err(e) => cards_view(&console, c.fail(&e), form.card_number, form.holder).await,
    }
}

pub(super) async fn make_settlement(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CsrfForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    match console.office.set_settlement_card(actor, id).await {
        Ok(_) => cards_view(&console, c, String::new(), String::new()).await,
        Err(e) => cards_view(&console, c.fail(&e), String::new(), String::new()).await,
    }
}

#[derive(Template)]
#[template(path = "card_delete.html")]
pub(super) struct DeletePage {
    c: Ctx,
    id: i64,
    card_number: String,
    step: u8,
}

pub(super) async fn card_number(console: &Shared, actor: &Actor, id: i64) -> Option<String> {
    console.office.cards(actor.clone()).await.ok()?.into_iter().find(|card| card.id == id).map(|card| card.card_number)
}

pub(super) async fn delete_page(State(console): State<Shared>, c: Ctx, Path(id): Path<i64>) -> Response {
    let actor = match merchant(&c) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(card_number) = card_number(&console, &actor, id).await else {
        return error_page(c, &ApiError::not_found("card"));
    };
    page(&c.clone(), &DeletePage { c, id, card_number, step: 1 })
}

#[derive(Debug, Deserialize)]
pub(super) struct PaymentForm {
    #[serde(default)]
    _csrf: String,
    payment_password: String,
}

fn step_key(c: &Ctx, id: i64) -> (String, i64) {
    (c.token.as_deref().map(crate::security::csrf_of).unwrap_or_default(), id)
}

pub(super) async fn delete_step_one(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<PaymentForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let Some(card_number) = card_number(&console, &actor, id).await else {
        return error_page(c, &ApiError::not_found("card"));
    };
    let user = match kassa_api::merchants::user_of(&actor) {
        Ok(u) => u,
        Err(e) => return error_page(c, &e),
    };
    if let Err(e) = console.office.check_payment_password(user, form.payment_password).await {
        let c = c.fail(&e);
        return page(&c.clone(), &DeletePage { c, id, card_number, step: 1 });
    }
    if let Err(e) = send_my_code(&console, &actor, OtpPurpose::DeleteCard).await {
        let c = c.fail(&e);
        return page(&c.clone(), &DeletePage { c, id, card_number, step: 1 });
    }
    let now = console.office.now_ms();
    if let Ok(mut steps) = console.payment_steps.lock() {
        steps.retain(|_, at| now - *at < PAYMENT_STEP_MS);
        if steps.len() >= PAYMENT_STEPS_MAX {
            steps.clear();
        }
        steps.insert(step_key(&c, id), now);
    }
    page(&c.clone(), &DeletePage { c, id, card_number, step: 2 })
}

pub(super) async fn delete_step_two(
    State(console): State<Shared>,
    c: Ctx,
    Path(id): Path<i64>,
    Form(form): Form<CodeForm>,
) -> Response {
    let actor = match merchant_post(&c, &form._csrf) {
        Ok(a) => a,
        Err(r) => return r,
    };
    let now = console.office.now_ms();
    let verified = console
        .payment_steps
        .lock()
        .ok()
        .and_then(|steps| steps.get(&step_key(&c, id)).copied())
        .is_some_and(|at| now - at < PAYMENT_STEP_MS);
    if !verified {
        return Redirect::to(&format!("/cards/{id}/delete")).into_response();
    }
    match console.office.delete_card_verified(actor.clone(), id, form.code.trim().to_string()).await {
        Ok(_) => {
            if let Ok(mut steps) = console.payment_steps.lock() {
                steps.remove(&step_key(&c, id));
            }
            Redirect::to("/cards").into_response()
        }
        Err(e) => {
            let card_number = card_number(&console, &actor, id).await.unwrap_or_default();
            let c = c.fail(&e);
            page(&c.clone(), &DeletePage { c, id, card_number, step: 2 })
        }
    }
}
