//! The till's terminal side in the back office: a terminal's signed
//! request verified, its catalogue, and the baskets and returns it records.

use kassa_core::{Amount, Currency, MerchantId, TerminalId};
use kassa_crypto::MacAlgorithm;
use kassa_merchant::identity::FieldError;
use kassa_store::Store;
use kassa_store::till::{self as store_till, BasketRecorded, ItemQuery, NewBasket};
use kassa_till::basket::{KEYED_DEPARTMENT, QUANTITY_MAX};
use kassa_till::catalogue::{self, ITEMS_MAX, NAME_MAX};
use kassa_till::{Basket, ItemCode, Line, Segment};

use super::*;
use crate::error::ApiError;
use crate::office::Office;

impl Office {
    /// The terminal a till request comes from, if its signature holds: known,
    /// active, signed in, its time near the host's, its MAC good under the
    /// MAC key of its current sign-in.
    pub async fn terminal_of_request(
        &self,
        terminal: &str,
        time: &str,
        mac: &str,
        method: &str,
        path_and_query: &str,
        body: &[u8],
    ) -> ApiResult<(TerminalId, MerchantId)> {
        let id = TerminalId::parse(terminal).ok_or_else(|| ApiError::unauthorized("Kassa-Terminal: 8 characters"))?;
        let time: i64 = time.parse().map_err(|_| ApiError::unauthorized("Kassa-Time: milliseconds since 1970"))?;
        if (time - self.now_ms()).abs() > kassa_till::api::TIME_SKEW_MAX_MS {
            return Err(ApiError::unauthorized("Kassa-Time is too far from the host's clock"));
        }
        let (record, _) =
            self.store.terminal(id.clone()).await?.ok_or_else(|| ApiError::unauthorized("unknown terminal"))?;
        if record.status != kassa_store::TerminalStatus::Active {
            return Err(ApiError::forbidden(format!("the terminal is {}", record.status.code())));
        }
        let session = record.session.ok_or_else(|| ApiError::unauthorized("the terminal has not signed in"))?;
        let digest = kassa_till::api::request_digest(method, path_and_query, time, body);
        let good =
            self.hsm.verify_mac(&session.mac_key, MacAlgorithm::CupEcb, &digest, mac.as_bytes()).unwrap_or(false);
        if !good {
            return Err(ApiError::unauthorized("the MAC does not verify: sign in again"));
        }
        Ok((id, record.merchant))
    }

    /// What a terminal downloads: its merchant's items on sale, departments and settings.
    pub async fn terminal_catalogue(&self, merchant: MerchantId) -> ApiResult<CatalogueView> {
        let m = merchant.to_string();
        let (items, departments, settings, version) = self
            .read(move |sql| {
                let q = ItemQuery { active: Some(true), limit: ITEMS_MAX, ..ItemQuery::default() };
                let items = store_till::items(sql, &m, &q)?;
                let version = sql.scalar(
                    "SELECT CAST(COALESCE(MAX(updated_at), 0) AS BIGINT) FROM (
                         SELECT updated_at FROM till_items WHERE merchant_id = ?1
                         UNION ALL SELECT updated_at FROM till_settings WHERE merchant_id = ?1
                         UNION ALL SELECT created_at FROM till_departments WHERE merchant_id = ?1) v",
                    kassa_store::sql_params![m.as_str()],
                )?;
                Ok(Ok((items, store_till::departments(sql, &m)?, store_till::settings(sql, &m)?, version)))
            })
            .await?;
        Ok(CatalogueView {
            merchant_id: merchant.to_string(),
            version,
            items: items
                .iter()
                .map(|i| CatalogueItem {
                    code: i.code.to_string(),
                    name: i.name.clone(),
                    price: i.price.0,
                    department: i.department.clone(),
                })
                .collect(),
            departments,
            segments: settings_view(&settings).segments,
            keyed_price: settings.keyed_price,
        })
    }

    /// Records a basket a terminal paid: checked line by line, its total the
    /// sale's, once per sale (sent again, the same answer).
    pub async fn record_till_basket(
        &self,
        terminal: TerminalId,
        merchant: MerchantId,
        req: BasketRequest,
    ) -> ApiResult<(bool, BasketView)> {
        let mut basket = Basket::default();
        for (i, l) in req.lines.iter().enumerate() {
            let at = |reason: String| ApiError::from(FieldError::new("lines", format!("line {}: {reason}", i + 1)));
            let (code, _) = ItemCode::parse(&l.code).map_err(|e| at(e.to_string()))?;
            let name =
                catalogue::clean_text(&l.name, NAME_MAX).ok_or_else(|| at("a name of 1 to 60 characters".into()))?;
            let department = if l.keyed {
                KEYED_DEPARTMENT.to_string()
            } else {
                catalogue::department_name(&l.department).map_err(|e| at(e.to_string()))?
            };
            if !(1..=QUANTITY_MAX).contains(&l.quantity) {
                return Err(at(format!("a quantity is 1 to {QUANTITY_MAX}")));
            }
            basket.lines.push(Line {
                code,
                name,
                department,
                unit_price: Amount(l.unit_price),
                quantity: l.quantity,
                keyed: l.keyed,
            });
        }
        let total = basket.check().map_err(|e| ApiError::from(FieldError::new("lines", e.to_string())))?;
        if total.0 != req.total {
            return Err(
                FieldError::new("total", format!("the lines add up to {}", total.display(Currency::CNY))).into()
            );
        }
        let (m, t) = (merchant.to_string(), terminal.to_string());
        let now = self.now_ms();
        let (new, record) = self
            .write(move |sql| {
                let settings = store_till::settings(sql, &m)?;
                if !settings.segments.iter().any(|s: &Segment| s.code == req.segment) {
                    return Ok(Err(FieldError::new("segment", "not one of the merchant's segments").into()));
                }
                if basket.lines.iter().any(|l| l.keyed) && !settings.keyed_price {
                    return Ok(Err(ApiError::conflict(
                        "keyed_price_not_allowed",
                        "the merchant does not sell at keyed prices",
                    )));
                }
                let Some(sale) = store_till::transaction_at(sql, &m, &t, req.batch, req.trace)? else {
                    return Ok(Err(ApiError::conflict(
                        "sale_unknown",
                        "the host has no sale at this batch and trace: send the basket once the sale is approved",
                    )));
                };
                if sale.kind != "sale" {
                    return Ok(Err(ApiError::conflict("not_a_sale", format!("batch and trace name a {}", sale.kind))));
                }
                if !matches!(sale.state.as_str(), "approved" | "voided") {
                    return Ok(Err(ApiError::conflict("sale_not_approved", format!("the sale is {}", sale.state))));
                }
                if sale.amount != total {
                    return Ok(Err(ApiError::conflict(
                        "total_differs",
                        format!(
                            "the basket's total {} is not the sale's {}",
                            total.display(Currency::CNY),
                            sale.amount.display(Currency::CNY)
                        ),
                    )));
                }
                let mmdd = sale.local_date.clone().unwrap_or_else(|| sale.business_date[4..].to_string());
                let local_date = format!("{}{mmdd}", crate::txns::local_year(&sale.business_date, &mmdd));
                let local_hour =
                    sale.local_time.as_deref().and_then(|t| t.get(..2)).and_then(|h| h.parse().ok()).unwrap_or(0);
                let new_basket = NewBasket {
                    merchant: m.clone(),
                    terminal: t.clone(),
                    batch: req.batch,
                    trace: req.trace,
                    rrn: sale.rrn.clone(),
                    txn_id: Some(sale.txn_id),
                    basket,
                    segment: req.segment.clone(),
                    local_date,
                    local_hour,
                };
                let (new, id) = match store_till::record_basket(sql, &new_basket, now)? {
                    BasketRecorded::New(id) => (true, id),
                    BasketRecorded::Again(id) => (false, id),
                    BasketRecorded::Conflict(_) => {
                        return Ok(Err(ApiError::conflict(
                            "basket_differs",
                            "another basket was recorded for this sale",
                        )));
                    }
                };
                Ok(store_till::basket(sql, &m, id)?.map(|b| (new, b)).ok_or_else(|| ApiError::not_found("basket")))
            })
            .await?;
        Ok((new, basket_view(&record)))
    }

    /// Records what a refund took back of a basket: its original must be the
    /// basket's sale, and the lines' amounts must add up to the refund's.
    pub async fn record_till_return(
        &self,
        terminal: TerminalId,
        merchant: MerchantId,
        req: ReturnRequest,
    ) -> ApiResult<BasketView> {
        let (m, t) = (merchant.to_string(), terminal.to_string());
        let now = self.now_ms();
        let record = self
            .write(move |sql| {
                let Some(refund) = store_till::transaction_at(sql, &m, &t, req.batch, req.trace)? else {
                    return Ok(Err(ApiError::conflict(
                        "refund_unknown",
                        "the host has no refund at this batch and trace",
                    )));
                };
                if refund.kind != "refund" || refund.state != "approved" {
                    return Ok(Err(ApiError::conflict(
                        "not_a_refund",
                        "batch and trace do not name an approved refund",
                    )));
                }
                let Some(original) = refund.original_id else {
                    return Ok(Err(ApiError::conflict("refund_unknown", "the refund names no sale")));
                };
                let Some(basket) = store_till::basket_of_sale(sql, &m, original)? else {
                    return Ok(Err(ApiError::not_found("basket of the refunded sale")));
                };
                if store_till::return_recorded(sql, refund.txn_id)? {
                    // Sent again: recorded once, answered as it stands.
                    return Ok(Ok(basket));
                }
                let mut returns = Vec::new();
                let mut sum = Amount::ZERO;
                for r in &req.lines {
                    let Some(line) = basket.lines.iter().find(|l| l.number == r.line) else {
                        return Ok(Err(FieldError::new("lines", format!("the basket has no line {}", r.line)).into()));
                    };
                    let left = line.line.quantity.saturating_sub(line.returned);
                    if left == 0 {
                        return Ok(Err(FieldError::new(
                            "lines",
                            format!("line {}: all of it was returned already", r.line),
                        )
                        .into()));
                    }
                    if r.quantity == 0 || r.quantity > left {
                        return Ok(Err(FieldError::new(
                            "lines",
                            format!("line {}: 1 to {left} can be returned", r.line),
                        )
                        .into()));
                    }
                    let amount = Amount(line.line.unit_price.0 * u64::from(r.quantity));
                    sum = sum.checked_add(amount).unwrap_or(sum);
                    returns.push((r.line, r.quantity, amount));
                }
                if returns.is_empty() || sum != refund.amount {
                    return Ok(Err(ApiError::conflict(
                        "total_differs",
                        format!(
                            "the items returned come to {}, the refund is {}",
                            sum.display(Currency::CNY),
                            refund.amount.display(Currency::CNY)
                        ),
                    )));
                }
                store_till::record_return(sql, basket.id, refund.txn_id, &returns, now)?;
                Ok(store_till::basket(sql, &m, basket.id)?.ok_or_else(|| ApiError::not_found("basket")))
            })
            .await?;
        Ok(basket_view(&record))
    }
}
