//! Simplified Chinese and English. Chinese is the merchants' default, English
//! the console's; the `kassa_lang` cookie switches.

pub use kassa_core::Lang;

/// The language a request asked for by its cookie, else `default`.
pub fn lang_of_cookie(value: Option<&str>, default: Lang) -> Lang {
    value.and_then(Lang::parse).unwrap_or(default)
}

/// The words of the pages, in the caller's language.
#[derive(Clone, Copy, Debug)]
pub struct T(pub Lang);

impl T {
    pub fn s(&self, key: &str) -> &'static str {
        let (zh, en) = match key {
            "app" => ("Kassa 商户", "Kassa Merchant"),
            "console" => ("Kassa 运营后台", "Kassa Operations"),
            "login" => ("登录", "Log in"),
            "logout" => ("退出", "Log out"),
            "phone" => ("手机号", "Phone"),
            "password" => ("登录密码", "Password"),
            "payment_password" => ("支付密码（6位数字）", "Payment password (6 digits)"),
            "username" => ("用户名", "Username"),
            "signup" => ("注册", "Sign up"),
            "no_account" => ("还没有账户？", "No account yet?"),
            "send_code" => ("获取验证码", "Send code"),
            "code" => ("短信验证码", "SMS code"),
            "code_sent" => ("验证码已发送", "Code sent"),
            "home" => ("首页", "Home"),
            "wallet" => ("我的钱包", "My wallet"),
            "cards" => ("我的银行卡", "My bank cards"),
            "terminals" => ("终端", "Terminals"),
            "transactions" => ("交易", "Transactions"),
            "statements" => ("结算单", "Statements"),
            "cancellation" => ("注销", "Cancellation"),
            "available" => ("可用余额", "Available"),
            "pending" => ("待结算", "Pending settlement"),
            "frozen" => ("冻结", "Frozen"),
            "deposits" => ("押金", "Deposits"),
            "in_flight" => ("出款中", "On its way to your card"),
            "today" => ("今日收款（按小时）", "Today's takings by hour"),
            "withdraw" => ("提现到结算卡", "Transfer out to the settlement card"),
            "amount" => ("金额（元）", "Amount (yuan)"),
            "submit" => ("提交", "Submit"),
            "settlement_card" => ("结算卡", "Settlement card"),
            "make_settlement" => ("设为结算卡", "Make settlement card"),
            "bind_card" => ("绑定银行卡", "Bind a card"),
            "card_number" => ("卡号", "Card number"),
            "holder" => ("持卡人", "Card holder"),
            "delete" => ("删除", "Delete"),
            "delete_card" => ("删除银行卡", "Delete card"),
            "next" => ("下一步", "Next"),
            "application" => ("入网申请", "Onboarding application"),
            "legal_name" => ("法人姓名", "Legal person's name"),
            "id_number" => ("身份证号", "ID number"),
            "business_name" => ("商户名称", "Business name"),
            "address" => ("经营地址", "Address"),
            "mcc" => ("行业类别（MCC）", "Category (MCC)"),
            "documents" => ("证件材料", "Documents"),
            "id_front" => ("身份证正面", "ID card, front"),
            "id_back" => ("身份证反面", "ID card, back"),
            "business_licence" => ("营业执照", "Business licence"),
            "bank_proof" => ("实名账户证明", "Proof of the real-name account"),
            "authorization_letter" => ("授权委托书", "Signed authorization letter"),
            "state" => ("状态", "State"),
            "submitted" => ("审核中", "Under review"),
            "approved" => ("已通过", "Approved"),
            "rejected" => ("已拒绝", "Rejected"),
            "merchant_no" => ("商户号", "Merchant number"),
            "applications" => ("入网审核", "Admission review"),
            "checks" => ("自动检查", "Automatic checks"),
            "approve" => ("通过", "Approve"),
            "reject" => ("拒绝", "Reject"),
            "reason" => ("原因", "Reason"),
            "outbox" => ("短信发件箱", "SMS outbox"),
            "audit" => ("审计日志", "Audit log"),
            "cancellations" => ("注销审核", "Cancellation review"),
            "inventory" => ("终端库存", "Terminal inventory"),
            "components_waiting" => ("主密钥分量待各保管人领取", "master key components, each for its own custodian"),
            "mail_order_on" => ("开通邮购/电话订购（手输卡号）", "Allow mail/phone orders (keyed cards)"),
            "mail_order_off" => ("关闭邮购/电话订购", "End mail/phone orders"),
            "collect_component" => ("领取密钥分量", "Collect key component"),
            "component" => ("分量", "component"),
            "whole_key" => ("完整密钥", "whole key"),
            "inject_then_destroy" => ("注入终端后立即销毁", "inject it into the terminal, then destroy it"),
            "codes_masked" => ("验证码已遮蔽", "codes are masked"),
            "reveal_codes" => ("显示验证码（演示）", "Show codes (demo)"),
            "merchants" => ("商户", "Merchants"),
            "payouts" => ("结算与出款", "Settlement and payouts"),
            "exceptions" => ("对账差错", "Reconciliation exceptions"),
            "none" => ("暂无", "None"),
            "receipt" => ("电子签购单", "Electronic receipt"),
            "export" => ("导出 CSV", "Export CSV"),
            "filter" => ("筛选", "Filter"),
            "date_from" => ("起始日期", "From"),
            "date_to" => ("结束日期", "To"),
            "type" => ("类型", "Type"),
            "status" => ("状态", "Status"),
            "terminal" => ("终端", "Terminal"),
            "time" => ("时间", "Time"),
            "card" => ("卡号", "Card"),
            "services" => ("便民服务", "Services"),
            "services_note" => (
                "转账汇款、信用卡还款和手机充值：代持卡人转付，不计入您的收款，也不参与结算。",
                "Transfers, repayments and top-ups: money the card holder sends on, not your takings, kept out of your settlement.",
            ),
            "services_ops_note" => (
                "每笔服务的扣款和第二笔（入账或充值）及其状态；“卡住”为一分钟后仍未结束的。",
                "Each service's debit and second leg (the credit or the top-up) and where it stands; stuck: not ended a minute after it began.",
            ),
            "service" => ("服务", "Service"),
            "second_leg" => ("第二笔（入账/充值）", "Second leg (credit or top-up)"),
            "stuck" => ("卡住", "Stuck"),
            "payer_card" => ("付款卡", "Payer's card"),
            "beneficiary" => ("收款卡/手机号", "Beneficiary card or phone"),
            "service_amount" => ("金额", "Amount"),
            "fee" => ("手续费", "Fee"),
            "total_debited" => ("扣款合计", "Total debited"),
            "attempts" => ("发送次数", "Attempts"),
            "undone" => ("被拒绝或已冲正（未扣款）", "Refused or reversed (nothing charged)"),
            "checklist" => ("注销条件", "Checklist"),
            "met" => ("已满足", "Met"),
            "fix" => ("去处理", "Fix"),
            "cooling_off" => ("冷静期", "Cooling-off"),
            "days_left" => ("剩余工作日", "Working days left"),
            "withdraw_cancellation" => ("撤回注销", "Withdraw the cancellation"),
            "apply_cancellation" => ("申请注销", "Apply for cancellation"),
            "phone_confirmation" => ("电话确认记录", "Phone confirmation"),
            "record" => ("记录", "Record"),
            "freeze" => ("冻结", "Freeze"),
            "unfreeze" => ("解冻", "Unfreeze"),
            "balance_transferred_out" => ("钱包余额已转出", "Wallet balance transferred out"),
            "no_open_preauths" => ("没有未完成的预授权", "No open pre-authorizations"),
            "no_unsettled_batch" => ("没有未结算的批次", "No unsettled batch"),
            "no_payout_in_flight" => ("没有在途出款", "No payout in flight"),
            "document_id_front" => ("身份证正面", "ID card, front"),
            "document_id_back" => ("身份证反面", "ID card, back"),
            "document_bank_proof" => ("实名账户证明", "Proof of the real-name account"),
            "cooling_off_state" => ("冷静期中", "Cooling off"),
            "closed" => ("已注销", "Closed"),
            "withdrawn" => ("已撤回", "Withdrawn"),
            "serial" => ("序列号", "Serial"),
            "activation_code" => ("激活码", "Activation code"),
            "bind_terminal" => ("绑定终端", "Bind the terminal"),
            "new_activation_code" => ("重新获取激活码", "Send a new activation code"),
            "operators" => ("操作员", "Operators"),
            "operator" => ("操作员号", "Operator"),
            "operator_password" => ("操作员密码（4–6位）", "Operator password (4–6 digits)"),
            "add_terminal" => ("入库", "Add to inventory"),
            "terminal_kind" => ("类型", "Kind"),
            "terminal_frozen" => ("终端已冻结", "Terminal frozen"),
            "countertop" => ("台式POS", "Countertop"),
            "mobile_reader" => ("手机刷卡器", "Mobile reader"),
            "assign" => ("分配", "Assign"),
            "in_stock" => ("库存", "In stock"),
            "assigned" => ("待激活", "Awaiting activation"),
            "active" => ("正常", "Active"),
            "dormant" => ("休眠", "Dormant"),
            "deregistered" => ("已注销", "Deregistered"),
            "date" => ("日期", "Date"),
            "business_day" => ("营业日", "Business day"),
            "approved_txns" => ("成功交易", "Approved"),
            "failed_txns" => ("失败交易", "Failed"),
            "voids" => ("撤销", "Voids"),
            "refunds" => ("退货", "Refunds"),
            "fees" => ("手续费", "Fees"),
            "held" => ("风险冻结", "Held by risk control"),
            "net" => ("结算净额", "Net paid"),
            "not_settled" => ("尚未结算", "Not settled yet"),
            "cancel_terminal" => ("注销此终端", "Cancel this terminal"),
            "open_for_merchant" => ("代商户申请注销", "Open a cancellation for a merchant"),
            "channel" => ("渠道", "Channel"),
            "risk_decisions" => ("风控决策", "Risk decisions"),
            "outcome" => ("处理", "Outcome"),
            "rules_hit" => ("命中规则", "Rules hit"),
            "cases" => ("风控案件", "Risk cases"),
            "case" => ("案件", "Case"),
            "open_case" => ("新建案件", "Open a case"),
            "title" => ("标题", "Title"),
            "priority" => ("优先级", "Priority"),
            "high" => ("高", "High"),
            "medium" => ("中", "Medium"),
            "low" => ("低", "Low"),
            "due" => ("处理时限", "Due"),
            "overdue" => ("已超时", "Overdue"),
            "locked_by" => ("处理人", "Worked by"),
            "claim" => ("领取", "Claim"),
            "release_lock" => ("释放", "Let go"),
            "add_note" => ("添加备注", "Add a note"),
            "propose" => ("提议处置", "Propose an action"),
            "action" => ("处置", "Action"),
            "target" => ("对象", "Target"),
            "proposed_by" => ("提议人", "Proposed by"),
            "approve_action" => ("复核通过", "Approve (second operator)"),
            "reject_action" => ("驳回处置", "Turn the action down"),
            "close_case" => ("结案", "Close the case"),
            "reopen" => ("重新打开", "Reopen"),
            "resolution" => ("结论", "Resolution"),
            "confirmed" => ("确认风险", "Confirmed"),
            "refuted" => ("排除风险", "Refuted"),
            "inconclusive" => ("无法确定", "Inconclusive"),
            "override" => ("临时放行", "Allow-list override"),
            "override_days" => ("放行天数", "Days"),
            "evidence" => ("导出证据包", "Export the evidence bundle"),
            "risk_profile" => ("风险画像", "Risk profile"),
            "history" => ("处理记录", "History"),
            "open" => ("待处理", "Open"),
            "investigating" => ("调查中", "Investigating"),
            "action_pending" => ("待复核", "Action pending approval"),
            "actioned" => ("已处置", "Actioned"),
            "settlement_held" => ("结算已暂停", "Settlement held"),
            "freeze_terminal" => ("冻结终端", "Freeze the terminal"),
            "unfreeze_terminal" => ("解冻终端", "Unfreeze the terminal"),
            "freeze_merchant" => ("冻结商户", "Freeze the merchant"),
            "unfreeze_merchant" => ("解冻商户", "Unfreeze the merchant"),
            "hold_settlement" => ("暂停结算", "Hold settlement"),
            "release_settlement" => ("恢复结算并释放冻结资金", "Release settlement and frozen funds"),
            "blocked" => ("已冻结", "Frozen"),
            "merchant_card" => ("商户 / 卡", "Merchant / card"),
            "rulesets" => ("风控规则集", "Rulesets"),
            "rules" => ("规则", "rules"),
            "note_word" => ("说明", "Note"),
            "author" => ("起草人", "Author"),
            "approved_by" => ("复核人", "Approved by"),
            "activated_by" => ("启用人", "Activated by"),
            "no_stored_ruleset" => (
                "尚无存储的规则集；主机使用配置文件中的规则集。",
                "No stored version yet; hosts run the configured ruleset.",
            ),
            "new_draft" => ("起草新版本", "Write a new draft"),
            "draft_help" => (
                "版本号须大于已有版本；由另一名分析员复核后方可启用。",
                "The version must be above every stored one; another analyst approves it before it can be activated.",
            ),
            "save_draft" => ("保存草稿", "Save the draft"),
            "draft" => ("草稿", "Draft"),
            "retired" => ("已停用", "Retired"),
            "discarded" => ("已废弃", "Discarded"),
            "activate" => ("启用", "Activate"),
            "discard" => ("废弃", "Discard"),
            "preview" => ("命中预览", "Hit preview"),
            "hours" => ("小时", "Hours"),
            "declines" => ("拒绝", "Declines"),
            "holds" => ("暂停结算", "Holds"),
            "changed" => ("结果不同", "Changed outcomes"),
            "location" => ("位置", "Location"),
            "score" => ("分值", "Score"),
            "why" => ("原因", "Why"),
            "no_rule_hit" => ("没有规则命中这笔交易。", "No rule hit this transaction."),
            "paid" => ("结算到账", "Paid to your balance"),
            "still_owed" => ("待抵扣欠款", "Still owed (taken from the next days)"),
            "late_reversals" => ("前日交易冲正调整", "Late reversals of earlier days"),
            "catalogue" => ("商品", "Catalogue"),
            "analytics" => ("经营分析", "Sales analytics"),
            "catalogue_help" => (
                "收银台扫码时按这里的商品和价格收款；终端签到后下载。",
                "The till rings items up at these prices; terminals download it after sign-in.",
            ),
            "edit_item" => ("修改商品", "Change the item"),
            "add_item" => ("新增商品", "Add an item"),
            "item_code" => ("条码 / 编码", "Barcode / code"),
            "item_name" => ("品名", "Name"),
            "item" => ("商品", "Item"),
            "items" => ("商品列表", "Items"),
            "price_yuan" => ("单价（元）", "Price (yuan)"),
            "price" => ("单价", "Price"),
            "price_help" => ("单价以元填写，如 12.50", "The price in yuan, e.g. 12.50"),
            "department" => ("品类", "Department"),
            "departments" => ("品类", "Departments"),
            "department_first" => ("请先在下方添加品类。", "Add a department below first."),
            "add_department" => ("添加品类", "Add the department"),
            "search_item" => ("品名或条码", "Name or code"),
            "on_sale" => ("在售", "On sale"),
            "retired_item" => ("已下架", "Retired"),
            "retire" => ("下架", "Retire"),
            "restore" => ("重新上架", "Put back on sale"),
            "edit" => ("修改", "Change"),
            "add" => ("添加", "Add"),
            "back" => ("返回", "Back"),
            "save" => ("保存", "Save"),
            "saved" => ("已保存", "Saved"),
            "remove" => ("删除", "Remove"),
            "removed" => ("已删除", "removed"),
            "export_csv" => ("导出 CSV", "Export CSV"),
            "import_csv" => ("CSV 批量导入", "Import a CSV"),
            "import_header" => ("首行为", "The header is"),
            "import_help" => (
                "；单价以元计。有任何一行出错则整批不导入，并列出每行的错误。",
                "; prices in yuan. If any row is wrong nothing is imported, and each bad row is listed.",
            ),
            "csv_file" => ("选择文件", "Choose a file"),
            "csv_text" => ("或粘贴内容", "or paste it"),
            "import" => ("导入", "Import"),
            "line" => ("行号", "Line"),
            "till_settings" => ("收银设置", "Till settings"),
            "segments" => ("客层键", "Customer segments"),
            "segments_help" => (
                "自定义客层（每行一个，最多 9 个；留空则用默认客层）",
                "Your own segments (one a line, at most 9; empty for the default set)",
            ),
            "default_set" => ("默认", "the default set"),
            "keyed_price" => {
                ("允许收银员为目录外商品手输单价", "Let the cashier key a price for a code not in the catalogue")
            }
            "show" => ("查看", "Show"),
            "period" => ("统计期间", "Period"),
            "compared_with" => ("对比上期", "compared with"),
            "no_baskets" => ("该期间及上期都没有收银记录。", "No till sales in this period or the one before."),
            "this_period" => ("本期", "This period"),
            "previous_period" => ("上期", "Previous period"),
            "last_7_days" => ("近 7 天", "Last 7 days"),
            "last_14_days" => ("近 14 天", "Last 14 days"),
            "last_30_days" => ("近 30 天", "Last 30 days"),
            "sales" => ("销售额", "Sales"),
            "baskets" => ("客数（笔）", "Baskets"),
            "average_basket" => ("客单价", "Average basket"),
            "items_per_basket" => ("客单件数", "Items per basket"),
            "items_sold" => ("件数", "Items"),
            "quantity" => ("数量", "Quantity"),
            "share" => ("占比", "Share"),
            "change" => ("环比", "Change"),
            "by_department" => ("按品类", "By department"),
            "by_hour" => ("按时段", "By hour of day"),
            "by_segment" => ("按客层", "By customer segment"),
            "top_items" => ("畅销商品", "Top items"),
            "by_day" => ("按日", "By day"),
            "hour" => ("时段", "Hour"),
            "segment" => ("客层", "Segment"),
            "day" => ("日期", "Date"),
            "keyed_items" => ("手输价格商品", "Keyed-price items"),
            "idle" => ("长时间未操作，已自动退出", "You were logged out after being idle"),
            _ => code_words(key).unwrap_or(("?", "?")),
        };
        match self.0 {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    /// An internal code (a state, a kind, an action) in words; the code itself
    /// when the catalogue does not know it (the page-language test then finds it).
    pub fn w(&self, code: &str) -> String {
        match self.s(code) {
            "?" => code.to_string(),
            words => words.to_string(),
        }
    }

    /// [`T::w`] of several codes joined by `, ` (as risk outcomes list their rules).
    pub fn ws(&self, codes: &str) -> String {
        codes.split(", ").map(|c| self.w(c.trim())).collect::<Vec<_>>().join(self.0.pick("、", ", "))
    }
}

/// Codes the data carries (transaction kinds and states, workflow states,
/// audit actions, rule modes and ids), in words: one catalogue with [`T::s`].
fn code_words(code: &str) -> Option<(&'static str, &'static str)> {
    Some(match code {
        // Transactions.
        "sale" => ("消费", "Sale"),
        "sale_void" => ("消费撤销", "Sale void"),
        "refund" => ("退货", "Refund"),
        "preauth" => ("预授权", "Pre-auth"),
        "preauth_void" => ("预授权撤销", "Pre-auth void"),
        "completion" => ("预授权完成", "Pre-auth completion"),
        "completion_advice" => ("预授权完成（通知）", "Completion advice"),
        "completion_void" => ("预授权完成撤销", "Completion void"),
        "balance" => ("余额查询", "Balance inquiry"),
        "transfer" => ("转账汇款", "Transfer"),
        "repayment" => ("信用卡还款", "Credit-card repayment"),
        "top_up" => ("手机充值", "Mobile top-up"),
        "payment_to_card" => ("入账至收款卡", "Payment to the card"),
        // Services and their second legs (a leg's state is `leg_` + its code).
        "refused" => ("被拒绝，未扣款", "Refused, nothing charged"),
        "completed" => ("已完成", "Completed"),
        "in_progress" => ("处理中", "In progress"),
        "leg_waiting" => ("未发出", "Not sent yet"),
        "leg_in_flight" => ("已发出，等待回复", "Sent, awaiting the answer"),
        "leg_done" => ("已入账", "Done"),
        "leg_refused" => ("被拒绝", "Refused"),
        "leg_reversing" => ("冲正中", "Being reversed"),
        "leg_reversed" => ("已冲正", "Reversed"),
        "leg_delivered_late" => ("冲正后迟到的确认（已对账）", "Confirmed after its reversal (reconciled)"),
        "declined" => ("已拒绝", "Declined"),
        "voided" => ("已撤销", "Voided"),
        "reversed" => ("已冲正", "Reversed"),
        "settled" => ("已结算", "Settled"),
        // Workflows.
        "email" => ("邮件", "Email"),
        "self" => ("商户自助", "By the merchant"),
        "staff" => ("运营人员", "By staff"),
        "created" => ("已创建", "Created"),
        "sent" => ("已发出", "Sent"),
        "failed" => ("失败", "Failed"),
        "refunded" => ("已退还", "Refunded"),
        "forfeited" => ("已没收", "Forfeited"),
        "enforce" => ("执行", "Enforce"),
        "monitor" => ("仅监控", "Monitor only"),
        "decline" => ("拒绝", "Decline"),
        "review" => ("人工复核", "Review"),
        "mode" => ("模式", "Mode"),
        "model" => ("型号", "Model"),
        "txn" => ("交易", "Transaction"),
        "tip_off" => ("举报", "Tip-off"),
        "starter_stored" => ("初始规则集（已存储）", "The starter, stored"),
        "ruleset_text" => ("规则集文本（TOML）", "Ruleset text (TOML)"),
        // Audit actions.
        "activate_terminal" => ("激活终端", "Activate a terminal"),
        "activation_failed" => ("激活失败", "Activation failed"),
        "adopt_merchant" => ("接管商户账户", "Adopt a merchant account"),
        "apply" => ("提交入网申请", "Apply"),
        "approve_application" => ("批准入网申请", "Approve an application"),
        "approve_cancellation" => ("批准注销", "Approve a cancellation"),
        "assign_terminal" => ("分配终端", "Assign a terminal"),
        "block" => ("加入黑名单", "Block"),
        "case_approved" => ("案件处置已批准", "Case action approved"),
        "case_changed" => ("案件已更新", "Case changed"),
        "case_closed" => ("案件已关闭", "Case closed"),
        "case_locked" => ("案件已认领", "Case claimed"),
        "case_proposed" => ("案件处置已提议", "Case action proposed"),
        "change_phone" => ("更换手机号", "Change the phone"),
        "close_cancellation" => ("完成注销", "Close a cancellation"),
        "confirm_cancellation_by_phone" => ("电话确认注销", "Confirm a cancellation by phone"),
        "create_staff" => ("新建员工账户", "Create a staff account"),
        "export_evidence" => ("导出证据", "Export evidence"),
        "hold_cancellation" => ("暂缓注销", "Hold a cancellation"),
        "login_failed" => ("登录失败", "Log-in failed"),
        "mail_order" => ("邮购/电话订购设置", "Mail/telephone order setting"),
        "merchant_location" => ("商户注册位置", "Merchant location"),
        "merchant_profile" => ("商户名称或类别", "Merchant name or category"),
        "merchant_tier" => ("商户等级", "Merchant tier"),
        "payment_password_failed" => ("支付密码错误", "Wrong payment password"),
        "reject_application" => ("拒绝入网申请", "Reject an application"),
        "reject_cancellation" => ("拒绝注销", "Reject a cancellation"),
        "remove_operator" => ("删除操作员", "Remove an operator"),
        "request_activation_code" => ("申请激活码", "Request an activation code"),
        "reveal_sms_codes" => ("显示短信验证码", "Show SMS codes"),
        "risk_override" => ("风控放行", "Risk override"),
        "ruleset_draft" => ("起草规则集", "Draft a ruleset"),
        "ruleset_approved" => ("复核规则集", "Approve a ruleset"),
        "ruleset_active" => ("启用规则集", "Activate a ruleset"),
        "ruleset_discarded" => ("废弃规则集", "Discard a ruleset"),
        "set_operator" => ("设置操作员", "Set an operator"),
        "set_settlement_card" => ("设置结算卡", "Set the settlement card"),
        "sms_outbox" => ("短信发件箱", "SMS outbox"),
        "submit_cancellation" => ("提交注销", "Submit a cancellation"),
        "system" => ("系统", "System"),
        "upload_cancellation_document" => ("上传注销材料", "Upload a cancellation document"),
        "upload_document" => ("上传入网材料", "Upload a document"),
        "view_sms_outbox" => ("查看短信发件箱", "View the SMS outbox"),
        "withdraw" => ("提现", "Transfer out"),
        "admin" => ("管理员", "Administrator"),
        "register" => ("注册账户", "Sign up"),
        "by_phone" => ("电话", "Phone"),
        "operations" => ("运营", "Operations"),
        "risk" => ("风控", "Risk"),
        "support" => ("客服", "Support"),
        // Risk rules of the starter ruleset, by id.
        "block-lists" => ("黑名单", "Block lists"),
        "single-limit" => ("单笔限额", "Single limit"),
        "daily-limit" => ("日累计限额", "Daily limit"),
        "monthly-limit" => ("月累计限额", "Monthly limit"),
        "night-round-credit" => ("夜间信用卡整额交易", "Round credit amounts at night"),
        "card-cycling" => ("多卡轮刷", "Card cycling"),
        "same-amount-cards" => ("多卡同额", "Same amount, many cards"),
        "split-sales" => ("拆单交易", "Split sales"),
        "far-mobile-reader" => ("刷卡器远离注册地", "Mobile reader far from home"),
        "idle-terminal-spike" => ("休眠终端突增", "Idle terminal spike"),
        "refund-ratio" => ("退货超过当日交易", "Refunds past the day's sales"),
        "night-refund" => ("夜间退货", "Refund at night"),
        "card-many-terminals" => ("一卡多终端", "One card, many terminals"),
        "decline-burst" => ("多卡连续被拒", "Declines on many cards"),
        "merchant-profile-churn" => ("商户信息频繁变更", "Merchant profile churn"),
        "credit-heavy-day" => ("信用卡占比过高", "Credit-heavy day"),
        "duplicate-identity" => ("法人证件重复", "Duplicate identity"),
        "duplicate-phone" => ("手机号重复", "Duplicate phone"),
        "block-list" => ("入网黑名单", "Admission block list"),
        "high-risk-category" => ("高风险类别", "High-risk category"),
        "service-payer-velocity" => ("一卡多次转账或还款", "Payer card velocity"),
        "service-beneficiary-velocity" => ("收款卡频繁入账", "Beneficiary velocity"),
        "many-payers-one-beneficiary" => ("多卡转入同一收款卡", "Many payers, one beneficiary"),
        "night-round-transfer" => ("夜间整额转账", "Round transfers at night"),
        _ => return None,
    })
}

/// A risk outcome as stored (`decline 59`, `hold_settlement`, `freeze_terminal 59 (allowed
/// by override 3)`) in words: the action translated, the response code kept beside it.
pub fn outcome_words(t: &T, outcome: &str) -> String {
    let (head, allowed) = match outcome.split_once(" (allowed by override ") {
        Some((head, rest)) => (head, Some(rest.trim_end_matches(')'))),
        None => (outcome, None),
    };
    let mut words = match head.split_once(' ') {
        Some((action, code)) => format!("{} {code}", t.w(action)),
        None => t.w(head),
    };
    if let Some(id) = allowed {
        words.push_str(&format!(" ({} {id})", t.0.pick("已按放行规则放行", "allowed by override")));
    }
    words
}

/// A case title: one the system wrote (`outcome: rule, rule`) in words; an
/// analyst's own title as written.
pub fn title_words(t: &T, title: &str) -> String {
    match title.split_once(": ") {
        Some((outcome, rules))
            if outcome.bytes().all(|b| b.is_ascii_lowercase() || b == b'_' || b == b' ' || b.is_ascii_digit())
                && rules.bytes().all(|b| b.is_ascii_lowercase() || b == b'-' || b == b',' || b == b' ') =>
        {
            format!("{}: {}", outcome_words(t, outcome), t.ws(rules))
        }
        _ => title.to_string(),
    }
}

/// A notice to the merchant in the page's language. The store keeps the
/// English the API answers; the two the system writes are read back here.
pub fn notice_words(t: &T, text: &str) -> String {
    if t.0 == Lang::En {
        return text.to_string();
    }
    if let Some(amount) = text.strip_suffix(" held by risk control is released to your available balance.") {
        return format!("风控冻结的 {amount} 已释放至可用余额。");
    }
    if let Some(rest) = text.strip_prefix("Your payout of ")
        && let Some((amount, rest)) = rest.split_once(" for ")
        && let Some((date, rest)) = rest.split_once(" to card ")
        && let Some((card, rest)) = rest.split_once(" failed (")
        && let Some(reason) = rest.strip_suffix("); the money is back in your wallet.")
    {
        return format!("{date} 的出款 {amount}（至卡 {card}）失败（{reason}），资金已退回钱包。");
    }
    text.to_string()
}

/// A ruleset's note: the one the system writes for the stored starter in
/// words; a person's note as written.
pub fn note_words(t: &T, note: &str) -> String {
    if note == "the starter, stored" { t.s("starter_stored").to_string() } else { note.to_string() }
}

/// A decision's hits in one line: the rule in words `+score`, monitor-mode ones marked.
pub fn hits_in_words(t: T, hits: &serde_json::Value) -> String {
    hits.as_array()
        .map(|hits| {
            hits.iter()
                .map(|h| {
                    let monitor = if h["enforced"] == false { format!(" ({})", t.s("monitor")) } else { String::new() };
                    format!("{} +{}{monitor}", t.w(h["rule"].as_str().unwrap_or("?")), h["score"])
                })
                .collect::<Vec<_>>()
                .join(t.0.pick("；", "; "))
        })
        .unwrap_or_default()
}

/// A starter rule's description in the page's language, by its id; the
/// ruleset's own words for a rule the catalogue does not know.
pub fn rule_description(lang: &Lang, id: &str, own: &str) -> String {
    let zh = match id {
        "block-lists" => "卡、终端序列号或商户在黑名单上。",
        "single-limit" => "单笔消费超过商户等级的单笔限额（高风险类别更低）。",
        "daily-limit" => "商户当日累计将超过其等级的日限额。",
        "monthly-limit" => "商户当月累计将超过其等级的月限额。",
        "night-round-credit" => "夜间信用卡整百元交易（疑似套现）。",
        "card-cycling" => "一小时内同一终端多张卡交易，且多为信用卡整额。",
        "same-amount-cards" => "一小时内同一终端不同卡支付相同金额。",
        "split-sales" => "同一张卡在同一终端把大额拆成多笔略低于单笔限额的交易。",
        "far-mobile-reader" => "手机刷卡器远离注册地址，或在其他城市。",
        "idle-terminal-spike" => "休眠 30 天的终端突然大量收款。",
        "refund-ratio" => "当日退货超过当日消费一定金额：退的是往日的收入。",
        "night-refund" => "夜间退货。",
        "card-many-terminals" => "同一张卡 30 分钟内在多个终端使用。",
        "decline-burst" => "10 分钟内同一终端多张不同的卡被拒（51、55、14、54、41、43）：冻结终端。",
        "merchant-profile-churn" => "商户名称或类别反复变更。",
        "credit-heavy-day" => "商户当日信用卡占比超过 80% 且客单价高：暂缓结算。",
        "duplicate-identity" => "法人证件号已是其他商户（或其他在审申请）的。",
        "duplicate-phone" => "手机号已是其他商户的。",
        "block-list" => "证件号、手机号或结算卡在入网黑名单上。",
        "high-risk-category" => "经营类别（MCC）为高风险：需补充材料。",
        "service-payer-velocity" => "同一张卡一天内多次转账或还款：一卡供养多个账户。",
        "service-beneficiary-velocity" => "同一收款方一天内收到多笔或大额转账、还款。",
        "many-payers-one-beneficiary" => "一天内多张不同的卡向同一收款方付款：疑似归集账户。",
        "night-round-transfer" => "夜间整额转账或还款（¥5,000 及以上）。",
        _ => return own.to_string(),
    };
    match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => own.to_string(),
    }
}

/// `2026-11-22 14:05:09` (with `seconds`) or `2026-11-22 14:05`: a moment as
/// staff read it, at the host's UTC offset in minutes.
pub fn when(ms: i64, offset: i32, seconds: bool) -> String {
    let t = kassa_core::time::LocalTime::from_unix_ms(ms, offset);
    let (d, h) = (t.yyyymmdd(), t.hhmmss());
    let minute = format!("{}-{}-{} {}:{}", &d[..4], &d[4..6], &d[6..], &h[..2], &h[2..4]);
    if seconds { format!("{minute}:{}", &h[4..]) } else { minute }
}

/// ¥1,234.56 from minor units (grouped); negative amounts keep their sign.
pub fn money(minor: i64) -> String {
    kassa_core::display_signed(minor, kassa_core::Currency::CNY, true)
}

/// [`money`] for templates, which hand values by reference.
pub fn yuan(minor: &i64) -> String {
    money(*minor)
}

/// [`money`] of an unsigned amount, for templates.
pub fn yuan_u(minor: &u64) -> String {
    money(i64::try_from(*minor).unwrap_or(i64::MAX))
}

/// Minor units from what a person types as yuan: `99`, `99.5`, `99.00`, `1,234.56`.
pub fn parse_yuan(text: &str) -> Option<i64> {
    kassa_core::Amount::parse_major(text, kassa_core::Currency::CNY).and_then(|a| i64::try_from(a.0).ok())
}

/// An error as the page shows it: the API's reason in English, and in
/// Chinese the words merchants know, with the tries left when there are any.
pub fn error_text(lang: Lang, code: &str, field: Option<&str>, reason: &str) -> String {
    if lang == Lang::En {
        return reason.to_string();
    }
    let tries = reason
        .split('(')
        .nth(1)
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|n| n.parse::<u32>().ok())
        .map(|n| format!("（还可尝试 {n} 次）"))
        .unwrap_or_default();
    let text = match code {
        "locked" => "输入错误次数过多，已被锁定，请 30 分钟后再试",
        "wrong_payment_password" => "支付密码错误",
        "unauthorized" => "手机号或密码错误，或登录已失效",
        "otp_wrong" => "验证码错误",
        "otp_expired" => "验证码已过期，请重新获取",
        "otp_not_found" => "请先获取验证码（验证码只能使用一次）",
        "otp_too_many_tries" => "验证码错误次数过多，请重新获取",
        "otp_too_soon" => "验证码发送太频繁，请稍后再试",
        "otp_rate_limited" => "一小时内验证码发送次数已达上限，请稍后再试",
        "insufficient_funds" => "可用余额不足",
        "no_settlement_card" => "请先绑定结算卡",
        "card_holder_not_merchant" => "银行卡必须在法人或商户名下",
        "card_unknown_to_bank" => "银行未查到该卡",
        "card_holder_mismatch" => "持卡人姓名与银行记录不符",
        "card_not_debit" => "结算卡须为借记卡",
        "card_already_bound" => "该卡已绑定",
        "choose_settlement_card" => "请先选择新的结算卡",
        "last_settlement_card" => "最后一张结算卡暂不能删除：仍有待结算、可用或出款中的资金",
        "preconditions_unmet" => "注销条件尚未全部满足",
        "phone_taken" => "该手机号已注册",
        "application_exists" => "已有申请在审核中",
        "forbidden" => "没有权限执行此操作",
        "not_found" => "未找到",
        "invalid_field" => {
            return format!("填写有误（{}）：{reason}", field.unwrap_or(""));
        }
        _ => return reason.to_string(),
    };
    format!("{text}{tries}")
}

/// A checklist line's explanation: the API's words in English; in Chinese,
/// "met" or what to do.
pub fn checklist_text(lang: &Lang, item: &str, met: &bool, explanation: &str) -> String {
    if *lang == Lang::En {
        return explanation.to_string();
    }
    if *met {
        return "已满足".into();
    }
    match item {
        "balance_transferred_out" => "钱包仍有资金：请先提现，或等待结算、解除冻结",
        "no_open_preauths" => "还有未完成的预授权：请完成或撤销",
        "no_unsettled_batch" => "还有未结算的批次：请在终端上结算",
        "no_payout_in_flight" => "还有出款在途：请等待到账",
        _ => "请上传",
    }
    .to_string()
}

/// A cancellation's state in words.
pub fn state_text(t: &T, state: &str) -> &'static str {
    t.s(if state == "cooling_off" { "cooling_off_state" } else { state })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn when_reads_as_a_local_moment() {
        // 2026-11-22 06:05:09 UTC, shown at UTC+8.
        let ms = 1_795_327_509_000;
        assert_eq!(when(ms, 480, true), "2026-11-22 14:05:09");
        assert_eq!(when(ms, 480, false), "2026-11-22 14:05");
    }

    #[test]
    fn money_reads_as_money() {
        assert_eq!(money(9_900), "¥99.00");
        assert_eq!(money(123_456_789), "¥1,234,567.89");
        assert_eq!(money(-5), "-¥0.05");
        assert_eq!(parse_yuan("99"), Some(9_900));
        assert_eq!(parse_yuan("¥1,234.5"), Some(123_450));
        assert_eq!(parse_yuan("0.07"), Some(7));
        for bad in ["", "1.234", "-1", "abc", "1.x", ".5"] {
            assert_eq!(parse_yuan(bad), None, "{bad}");
        }
    }

    #[test]
    fn errors_in_chinese_keep_the_tries_left() {
        let text = error_text(Lang::Zh, "wrong_payment_password", None, "the payment password is wrong (3 tries left)");
        assert_eq!(text, "支付密码错误（还可尝试 3 次）");
        assert_eq!(error_text(Lang::En, "locked", None, "locked for 30 minutes"), "locked for 30 minutes");
        assert_eq!(error_text(Lang::Zh, "something_new", None, "as is"), "as is");
    }

    #[test]
    fn every_word_has_both_languages() {
        for key in ["app", "wallet", "cards", "cancellation", "payment_password"] {
            assert_ne!(T(Lang::Zh).s(key), "?");
            assert_ne!(T(Lang::En).s(key), T(Lang::Zh).s(key));
        }
    }

    #[test]
    fn codes_outcomes_titles_and_notices_read_in_words() {
        let (zh, en) = (T(Lang::Zh), T(Lang::En));
        assert_eq!((zh.w("sale_void"), en.w("sale_void")), ("消费撤销".to_string(), "Sale void".to_string()));
        assert_eq!(zh.w("no_such_code"), "no_such_code", "an unknown code shows as itself, for the page test");
        assert_eq!(outcome_words(&zh, "decline 59"), "拒绝 59");
        assert_eq!(
            outcome_words(&en, "hold_settlement (allowed by override 3)"),
            "Hold settlement (allowed by override 3)"
        );
        assert_eq!(title_words(&zh, "hold_settlement: split-sales, card-cycling"), "暂停结算: 拆单交易、多卡轮刷");
        assert_eq!(title_words(&zh, "tip-off: split sales"), "tip-off: split sales", "an analyst's title as written");
        assert_eq!(
            notice_words(&zh, "¥12.00 held by risk control is released to your available balance."),
            "风控冻结的 ¥12.00 已释放至可用余额。"
        );
        let failed = "Your payout of ¥5.00 for 20261122 to card 622202*********3446 failed (closed); the money is back in your wallet.";
        assert!(notice_words(&zh, failed).starts_with("20261122 的出款 ¥5.00"));
        assert_eq!(rule_description(&Lang::Zh, "decline-burst", "x").chars().next(), Some('1'));
        assert_eq!(rule_description(&Lang::En, "decline-burst", "own words"), "own words");
    }
}
