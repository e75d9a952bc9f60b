//! My bank cards (我的银行卡): bind, delete, change the settlement card.
//! Exactly one settlement card at a time; the last card cannot go while money
//! is pending or a payout is in flight.

use kassa_merchant::OtpPurpose;
use kassa_merchant::identity::parse_card;
use kassa_store::office::{Sql, wallet};
use kassa_store::sql_params;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::{ApiError, ApiResult};
use crate::merchants::holder_is_merchant;
use crate::office::{Actor, Office, audit, check_code};
use crate::office::{crypto_error, merchant_of, user_of};

#[derive(Clone, Debug, Serialize, ToSchema)]
pub struct CardView {
    pub id: i64,
    /// First 6 and last 4 digits.
    pub card_number: String,
    pub holder: String,
    /// Whether payouts go to this card.
    pub settlement: bool,
}

pub(crate) fn cards_of(sql: &mut dyn Sql, merchant: &str) -> kassa_store::Result<Vec<CardView>> {
    sql.query(
        "SELECT id, pan_masked, holder, settlement FROM bank_cards WHERE merchant_id = ?1 AND removed = 0 ORDER BY id",
        sql_params![merchant],
    )?
    .iter()
    .map(|r| Ok(CardView { id: r.int(0)?, card_number: r.text(1)?, holder: r.text(2)?, settlement: r.flag(3)? }))
    .collect()
}

/// Makes card `id` the settlement card (the one payouts read).
pub(crate) fn make_settlement(sql: &mut dyn Sql, merchant: &str, id: i64) -> kassa_store::Result<()> {
    sql.exec(
        "UPDATE bank_cards SET settlement = CASE WHEN id = ?2 THEN 1 ELSE 0 END WHERE merchant_id = ?1",
        sql_params![merchant, id],
    )?;
    sql.exec("DELETE FROM merchant_cards WHERE merchant_id = ?1", sql_params![merchant])?;
    sql.exec(
        "INSERT INTO merchant_cards (merchant_id, pan_sealed, pan_masked, holder)
         SELECT merchant_id, pan_sealed, pan_masked, holder FROM bank_cards WHERE id = ?1",
        sql_params![id],
    )?;
    Ok(())
}

/// Adds a card row; returns its id.
pub(crate) fn add_card(
    sql: &mut dyn Sql,
    merchant: &str,
    hash: Vec<u8>,
    masked: &str,
    sealed: Vec<u8>,
    holder: &str,
    now: i64,
) -> kassa_store::Result<i64> {
    sql.insert(
        "INSERT INTO bank_cards (merchant_id, pan_hash, pan_masked, pan_sealed, holder, created_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6) RETURNING id",
        sql_params![merchant, hash, masked, sealed, holder, now],
    )
}

impl Office {
    pub async fn cards(&self, actor: Actor) -> ApiResult<Vec<CardView>> {
        let merchant = merchant_of(&actor)?;
        self.read(move |sql| Ok(Ok(cards_of(sql, merchant.as_str())?))).await
    }

    /// Binds a debit card in the merchant's (or the business's) name, verified
    /// with the bank, with an SMS code. The first card becomes the settlement card.
    pub async fn bind_card(
        &self,
        actor: Actor,
        card_number: String,
        holder: String,
        code: String,
    ) -> ApiResult<CardView> {
        let merchant = merchant_of(&actor)?;
        let user = user_of(&actor)?;
        let card = parse_card("card_number", &card_number)?;
        self.verify_with_bank(card.expose(), &holder)?;
        let phone = self.phone_of(user).await?;
        let hash = self.hsm.pan_fingerprint(card.expose()).to_vec();
        let sealed = self.hsm.encrypt_pan(card.expose()).map_err(crypto_error)?;
        let masked = card.masked();
        let (policy, now) = (self.policies.otp, self.now_ms());
        self.write(move |sql| {
            if !holder_is_merchant(sql, &merchant, &holder)? {
                return Ok(Err(ApiError::new(
                    axum::http::StatusCode::UNPROCESSABLE_ENTITY,
                    "card_holder_not_merchant",
                    "the card must be in the legal person's name or the business's",
                )));
            }
            if let Err(e) = check_code(sql, &policy, &phone, OtpPurpose::BindCard, &code, now)? {
                return Ok(Err(e.into()));
            }
            if sql
                .one(
                    "SELECT id FROM bank_cards WHERE merchant_id = ?1 AND pan_hash = ?2 AND removed = 0",
                    sql_params![merchant.as_str(), hash.clone()],
                )?
                .is_some()
            {
                return Ok(Err(ApiError::conflict("card_already_bound", "this card is already bound")));
            }
            let first = cards_of(sql, merchant.as_str())?.is_empty();
            let id = add_card(sql, merchant.as_str(), hash, &masked, sealed, holder.trim(), now)?;
            if first {
                make_settlement(sql, merchant.as_str(), id)?;
            }
            audit(sql, now, &actor.name(), "bind_card", &masked, if first { "settlement card" } else { "" })?;
            let view = cards_of(sql, merchant.as_str())?.into_iter().find(|c| c.id == id);
            Ok(view.ok_or(ApiError::not_found("card")))
        })
        .await
    }

    /// Makes another bound card the settlement card.
    pub async fn set_settlement_card(&self, actor: Actor, id: i64) -> ApiResult<Vec<CardView>> {
        let merchant = merchant_of(&actor)?;
        let now = self.now_ms();
        self.write(move |sql| {
            let Some(card) = cards_of(sql, merchant.as_str())?.into_iter().find(|c| c.id == id) else {
                return Ok(Err(ApiError::not_found("card")));
            };
            make_settlement(sql, merchant.as_str(), id)?;
            audit(sql, now, &actor.name(), "set_settlement_card", &card.card_number, "")?;
            Ok(Ok(cards_of(sql, merchant.as_str())?))
        })
        .await
    }

    /// Deletes a card with the payment password and then the SMS code. The
    /// settlement card can go only when another card takes its place, or —
    /// when it is the last card — when no money is pending or on its way.
    pub async fn delete_card(
        &self,
        actor: Actor,
        id: i64,
        payment_password: String,
        code: String,
    ) -> ApiResult<Vec<CardView>> {
        let user = user_of(&actor)?;
        // Not the merchant's card: 404 before anything else is checked.
        if !self.cards(actor.clone()).await?.iter().any(|c| c.id == id) {
            return Err(ApiError::not_found("card"));
        }
        self.check_payment_password(user, payment_password).await?;
        self.delete_card_verified(actor, id, code).await
    }

    /// The second step of a deletion whose payment password was just checked
    /// (the portal asks for it first, then for the SMS code).
    pub async fn delete_card_verified(&self, actor: Actor, id: i64, code: String) -> ApiResult<Vec<CardView>> {
        let merchant = merchant_of(&actor)?;
        let user = user_of(&actor)?;
        let phone = self.phone_of(user).await?;
        let (policy, now) = (self.policies.otp, self.now_ms());
        self.write(move |sql| {
            let cards = cards_of(sql, merchant.as_str())?;
            let Some(card) = cards.iter().find(|c| c.id == id).cloned() else {
                return Ok(Err(ApiError::not_found("card")));
            };
            if let Err(e) = check_code(sql, &policy, &phone, OtpPurpose::DeleteCard, &code, now)? {
                return Ok(Err(e.into()));
            }
            let others: Vec<i64> = cards.iter().filter(|c| c.id != id).map(|c| c.id).collect();
            if card.settlement {
                if let Some(next) = others.first() {
                    if others.len() > 1 {
                        return Ok(Err(ApiError::conflict(
                            "choose_settlement_card",
                            "this is the settlement card: choose which card takes its place first",
                        )));
                    }
                    make_settlement(sql, merchant.as_str(), *next)?;
                } else {
                    let w = wallet(sql, &merchant)?;
                    let why = if w.payouts_in_flight > 0 {
                        Some("a payout is on its way to this card")
                    } else if w.pending != 0 || w.available > 0 || w.frozen > 0 {
                        Some("money is still pending, available or held for this merchant")
                    } else {
                        None
                    };
                    if let Some(why) = why {
                        return Ok(Err(ApiError::conflict(
                            "last_settlement_card",
                            format!("the last settlement card cannot be removed: {why}"),
                        )));
                    }
                    sql.exec("DELETE FROM merchant_cards WHERE merchant_id = ?1", sql_params![merchant.as_str()])?;
                }
            }
            sql.exec("UPDATE bank_cards SET removed = 1, settlement = 0 WHERE id = ?1", sql_params![id])?;
            audit(sql, now, &actor.name(), "delete_card", &card.card_number, "")?;
            Ok(Ok(cards_of(sql, merchant.as_str())?))
        })
        .await
    }
}
