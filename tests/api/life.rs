//! One whole portal life, only through pages, in a real browser with JavaScript off: no API
//! call and no SQL drives it. An administrator made with the command line creates the
//! department's head and officer, the head admits the officer, a reporter files at 360 px,
//! the case is worked and concluded, the reward goes all the way to paid, a tip is
//! transferred and an identity is disclosed. Every page on the way is read as a person
//! reads it: visible raw codes, JSON, `key=value` and English words on a Chinese page fail.

use std::sync::LazyLock;
use std::time::Duration;

use fantoccini::elements::Element;
use fantoccini::{Client, Locator};
use regex::Regex;

use crate::browser::browser;
use crate::helpers::{TestApp, run, spawn_app};

/// Words a Chinese page may show in Latin letters: names of file formats and standards,
/// the language switch, and the project's name.
const ALLOWED_WORDS: &[&str] = &[
    "English",
    "jubao",
    "JPEG",
    "PNG",
    "WebP",
    "HEIC",
    "HEIF",
    "MOV",
    "GP",
    "AMR",
    "WAV",
    "PDF",
    "EXIF",
    "GPS",
    "XMP",
    "IPTC",
    "APE",
    "ID3",
    "docx",
    "DOCX",
    "XLSX",
    "PPTX",
    "ODT",
    "ODS",
    "ODP",
    "ODF",
    "WPS",
    "Word",
    "Excel",
    "PowerPoint",
    "MB",
    "KB",
    "QR",
    "TOTP",
    "CSV",
    "ID",
    "IP",
    "URL",
    "otpauth",
    "App",
    "Cookie",
    "SQLite",
    "PostgreSQL",
];

static RAW_CODE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b[a-z_]+:[a-z]").unwrap());
static SNAKE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b[a-z]+_[a-z_]+\b").unwrap());
static KEY_VALUE: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"\b[a-z_]+=").unwrap());
static JSON: LazyLock<Regex> = LazyLock::new(|| Regex::new(r#"[{\[]\s*""#).unwrap());
static URL: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"https?://\S+").unwrap());
static WORD: LazyLock<Regex> = LazyLock::new(|| Regex::new(r"[A-Za-z0-9]+").unwrap());

/// What a page shows that a person should never see; empty when the page reads well.
/// `allowed` adds words of the page's data (usernames) to the allow-list.
pub(crate) fn unreadable(text: &str, zh: bool, allowed: &[&str]) -> Vec<String> {
    // An address is copied, not read.
    let text = &*URL.replace_all(text, " ");
    let mut found = Vec::new();
    for (what, pattern) in
        [("raw code", &*RAW_CODE), ("code name", &*SNAKE), ("key=value", &*KEY_VALUE), ("JSON", &*JSON)]
    {
        found.extend(pattern.find_iter(text).map(|m| format!("{what}: {:?}", m.as_str())));
    }
    if zh {
        for word in WORD.find_iter(text).map(|m| m.as_str()) {
            let letters_only = !word.chars().any(|c| c.is_ascii_digit());
            // A tip's reference is data, and one drawn without a digit is all letters.
            let reference = jubao::domain::TipReference::parse(word).is_some_and(|r| r.to_string() == word);
            let known = reference || ALLOWED_WORDS.iter().chain(allowed).any(|w| w.eq_ignore_ascii_case(word));
            if letters_only && word.len() > 1 && !known {
                found.push(format!("English word: {word:?}"));
            }
        }
    }
    found
}

#[test]
fn the_page_check_catches_what_a_person_should_not_see() {
    for bad in [
        "新建工作人员：unknown role clerk",
        "department:emergency: 新密钥版本 1",
        "提议：{\"accident_grade\":null}",
        "计算依据 fine=200000",
        "状态 under_review",
        "证据 · removed",
        "举报编号 Received",
    ] {
        assert!(!unreadable(bad, true, &[]).is_empty(), "{bad}");
    }
    for good in [
        "举报编号 7MNJZK09WE · 照片（JPEG、PNG）· 举报电话 12350 · https://jubao.example.gov.cn/q/abc",
        "已创建：li.officer",
        "举报编号 DAKTFWKQXZ",
    ] {
        assert_eq!(unreadable(good, true, &["li", "officer"]), Vec::<String>::new(), "{good}");
    }
    assert!(unreadable("Reward basis: fine=200000", false, &[]).len() == 1, "raw codes count on English pages too");
}

/// One person at a browser.
struct Person {
    client: Client,
    /// Words of this portal's data that may appear on pages (usernames, split at dots).
    allowed: Vec<String>,
    base: String,
    /// What the pages showed that a person should not see, for the end of the test.
    problems: Problems,
}

type Problems = std::sync::Arc<std::sync::Mutex<Vec<String>>>;

impl Person {
    async fn at(width: u32, base: &str, allowed: &[&str], problems: &Problems) -> (crate::browser::Driver, Person) {
        let (driver, client) = browser().await;
        client.set_window_size(width, 1600).await.unwrap();
        let allowed = allowed.iter().flat_map(|u| u.split(['.', '_', '-'])).map(str::to_owned).collect();
        (driver, Person { client, allowed, base: base.to_owned(), problems: problems.clone() })
    }

    /// The text the page shows, checked: no raw codes, no English on a Chinese page. Text
    /// in `code` elements (secrets, commands, references) is what a person copies, not reads.
    async fn read(&self) -> String {
        // A page still loading has an empty body for a moment.
        let mut text = String::new();
        for _ in 0..100 {
            if let Ok(body) = self.client.find(Locator::Css("body")).await {
                text = body.text().await.unwrap_or_default();
            }
            if !text.trim().is_empty() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        let mut copied = Vec::new();
        for code in self.client.find_all(Locator::Css("code, kbd, samp, body [lang=en]")).await.unwrap() {
            copied.push(code.text().await.unwrap_or_default());
        }
        copied.sort_by_key(|c| std::cmp::Reverse(c.len()));
        for c in copied.iter().filter(|c| !c.is_empty()) {
            text = text.replace(c.as_str(), " ");
        }
        let zh = self.client.find(Locator::Css("html")).await.unwrap().attr("lang").await.unwrap().as_deref()
            == Some("zh-CN");
        let allowed: Vec<&str> = self.allowed.iter().map(String::as_str).collect();
        let problems = unreadable(&text, zh, &allowed);
        let url = self.client.current_url().await.unwrap();
        if !problems.is_empty() {
            self.problems.lock().unwrap().push(format!("{url} shows {problems:?}:\n{text}"));
        }
        text
    }

    /// With `JUBAO_SCREENSHOTS=DIR` set, saves the page as it is now at `width` px.
    async fn shoot(&self, name: &str, width: u32) {
        let Ok(dir) = std::env::var("JUBAO_SCREENSHOTS") else { return };
        self.client.set_window_size(width, 1600).await.unwrap();
        let png = self.client.screenshot().await.unwrap();
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(format!("{dir}/{name}-{width}.png"), png).unwrap();
        self.client.set_window_size(1280, 1600).await.unwrap();
    }

    async fn open(&self, path: &str) -> String {
        self.client.goto(&format!("{}{path}", self.base)).await.unwrap();
        self.read().await
    }

    async fn find(&self, css: &str) -> Element {
        match self.client.wait().at_most(Duration::from_secs(10)).for_element(Locator::Css(css)).await {
            Ok(element) => element,
            Err(e) => {
                let url = self.client.current_url().await.unwrap();
                let text = self.client.find(Locator::Css("body")).await.unwrap().text().await.unwrap_or_default();
                panic!("no {css} on {url} ({e}):\n{text}")
            }
        }
    }

    /// Types into a field, replacing what is there.
    async fn fill(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.unwrap();
        field.send_keys(text).await.unwrap();
    }

    async fn tick(&self, css: &str) {
        self.find(css).await.click().await.unwrap();
    }

    /// Presses the button with this text inside `scope` (a CSS selector of a form), waits for
    /// the next page and reads it.
    async fn press(&self, scope: &str, label: &str) -> String {
        let scope = self.find(scope).await;
        let xpath = format!(".//button[normalize-space(.)='{label}'] | .//input[@type='submit' and @value='{label}']");
        let button = scope.find(Locator::XPath(&xpath)).await.unwrap_or_else(|e| panic!("no button {label}: {e}"));
        self.submit(button).await
    }

    /// Clicks something that leaves the page and reads the page it leads to.
    async fn submit(&self, clickable: Element) -> String {
        let old = self.client.find(Locator::Css("html")).await.unwrap();
        clickable.click().await.unwrap();
        for _ in 0..300 {
            if old.tag_name().await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.find("body").await;
        self.read().await
    }

    async fn follow(&self, link_text: &str) -> String {
        let link =
            self.client.find(Locator::LinkText(link_text)).await.unwrap_or_else(|e| panic!("no link {link_text}: {e}"));
        self.submit(link).await
    }

    async fn sign_in(&self, username: &str, password: &str, secret: &str) -> String {
        self.open("/staff/login").await;
        self.fill("#username", username).await;
        self.fill("#password", password).await;
        let code = jubao::auth::totp::code_at(secret, u64::try_from(crate::helpers::now()).unwrap()).unwrap();
        self.fill("#totp", &code).await;
        self.press("form", "登录").await
    }
}

const PASSWORD: &str = "一段足够长的口令 correct horse";

/// The TOTP secret the command line or the admin page shows once.
fn secret_in(text: &str) -> String {
    let at = text.find("TOTP secret (base32): ").map(|i| i + "TOTP secret (base32): ".len()).unwrap();
    text[at..].lines().next().unwrap().trim().to_owned()
}

async fn first_admin(app: &TestApp) -> String {
    use std::io::Write;
    let mut command = app.cli();
    command.args(["user", "add", "--username", "admin", "--role", "admin", "--password-stdin"]);
    command
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped());
    let mut child = command.spawn().unwrap();
    child.stdin.take().unwrap().write_all(format!("{PASSWORD}\n").as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let _ = run;
    secret_in(&String::from_utf8_lossy(&output.stdout))
}

impl Person {
    /// Presses the submit button of the case form for `action` and reads the page it leads to.
    async fn act(&self, action: &str) -> String {
        let form = self.find(&format!("form:has(input[name=action][value='{action}'])")).await;
        let button = form.find(Locator::Css("button[type=submit]")).await.unwrap();
        assert!(!button.text().await.unwrap().trim().is_empty(), "the {action} button says what it does");
        self.submit(button).await
    }

    async fn choose(&self, select: &str, value: &str) {
        self.tick(&format!("{select} option[value='{value}']")).await;
    }

    /// Opens a tip from the queue, as a person clicks its reference.
    async fn open_case(&self, reference: &str) -> String {
        self.open("/staff").await;
        let link = self
            .client
            .find(Locator::LinkText(reference))
            .await
            .unwrap_or_else(|e| panic!("{reference} not in the queue: {e}"));
        self.submit(link).await
    }
}

/// The administrator creates an official on the admin page and reads the TOTP secret.
async fn create_official(admin: &Person, username: &str, roles: &[&str], department: Option<&str>) -> String {
    admin.open("/staff/admin").await;
    admin.fill("#new-username", username).await;
    if admin.client.find(Locator::Css("input[name=roles][type=checkbox]")).await.is_ok() {
        for role in roles {
            admin.tick(&format!("input[name=roles][value='{role}']")).await;
        }
    } else {
        admin.fill("#new-roles", &roles.join(",")).await;
    }
    if let Some(d) = department {
        admin.choose("#new-department", d).await;
    }
    admin.fill("#new-password", PASSWORD).await;
    let page = admin.press("form[action='/staff/admin/users']", "创建").await;
    assert!(page.contains(username), "{page}");
    admin.find("p code").await.text().await.unwrap().trim().to_owned()
}

/// A reporter at 360 px fills the whole form, empty optional fields included, and reads the
/// receipt: (reference, query code).
async fn file(reporter: &Person, title: &str, with_identity: bool) -> (String, String) {
    reporter.open("/report").await;
    reporter.tick("input[name=kind][value=major_hazard]").await;
    reporter.choose("#category", "mine").await;
    reporter.choose("#district", "500103").await;
    reporter.fill("#title", title).await;
    reporter
        .fill("#description", "三号井下通风机已经停了一周，工人仍在井下作业，瓦斯浓度报警器被人用塑料袋包住。")
        .await;
    reporter.fill("#location", "某某煤矿三号井").await;
    reporter.fill("#company", "重庆某某煤业有限公司").await;
    reporter.fill("#credit_code", "91350100M000100Y43").await;
    if with_identity {
        reporter.fill("#name", "张三").await;
        reporter.fill("#phone", "13800000000").await;
    }
    reporter.tick("input[name=agree]").await;
    let receipt = reporter.press("form[method=post]", "提交举报").await;
    assert!(receipt.contains("查询码"), "{receipt}");
    let reference = reporter.find("dd.code:not(.big)").await.text().await.unwrap().trim().to_owned();
    let code = reporter.find("dd.code.big").await.text().await.unwrap().trim().to_owned();
    (reference, code)
}

#[tokio::test]
async fn a_whole_portal_life_through_the_pages_only() {
    let app = spawn_app().await;
    // Usernames, and the payment reference finance types, are data the pages show back.
    let names =
        ["admin", "zhao.head", "li.officer", "wang.fire", "bao.custodian", "qian.finance", "sun.finance", "ICBC"];
    let admin_secret = first_admin(&app).await;
    let problems = Problems::default();

    // The administrator sets up the department and the other roles.
    let (_a, admin) = Person::at(1280, &app.address, &names, &problems).await;
    admin.sign_in("admin", PASSWORD, &admin_secret).await;
    let head_secret = create_official(&admin, "zhao.head", &["head"], Some("emergency")).await;
    let officer_secret = create_official(&admin, "li.officer", &["officer"], Some("emergency")).await;
    let custodian_secret = create_official(&admin, "bao.custodian", &["custodian"], None).await;
    let finance_secret = create_official(&admin, "qian.finance", &["finance"], None).await;
    let payer_secret = create_official(&admin, "sun.finance", &["finance"], None).await;
    create_official(&admin, "wang.fire", &["officer", "head"], Some("fire")).await;
    admin.open("/staff/admin").await;
    admin.shoot("staff-admin", 1280).await;

    // The head admits the officer to the department's key.
    let (_b, head) = Person::at(1280, &app.address, &names, &problems).await;
    head.sign_in("zhao.head", PASSWORD, &head_secret).await;
    let keys = head.follow("密钥与成员").await;
    head.shoot("staff-keys", 1280).await;
    assert!(keys.contains("li.officer"), "{keys}");
    let approve = head.find("form[action$='/approve']").await;
    if let Ok(confirm) = approve.find(Locator::Css("input[type=checkbox]")).await {
        confirm.click().await.unwrap();
    }
    let admitted = head.submit(approve.find(Locator::Css("button[type=submit]")).await.unwrap()).await;
    // li.officer holds both keys now; only wang.fire, first of his department and so admitted
    // to no department by anyone, still waits for the matching key of related tips.
    assert_eq!(admitted.matches("待批准").count(), 1, "{admitted}");
    assert!(admitted.contains("wang.fire 待批准"), "{admitted}");

    // A reporter files at 360 px; a refresh of the receipt files nothing again.
    let (_r, reporter) = Person::at(360, &app.address, &names, &problems).await;
    let (reference, code) = file(&reporter, "井下通风不足", true).await;
    reporter.client.refresh().await.unwrap();
    let again = reporter.read().await;
    assert!(!again.contains(&code), "the receipt is shown once: {again}");

    // The officer works the case.
    let (_c, officer) = Person::at(1280, &app.address, &names, &problems).await;
    officer.sign_in("li.officer", PASSWORD, &officer_secret).await;
    officer.open("/staff").await;
    assert_eq!(officer.client.find_all(Locator::Css("table.queue a.code")).await.unwrap().len(), 1, "one tip, not two");
    let case = officer.open_case(&reference).await;
    assert!(case.contains("井下通风不足"), "{case}");
    officer.act("accept").await;
    officer.fill("#reply-body", "您好，我们已受理，将于近日到现场核查。").await;
    let replied = officer.act("reply").await;
    assert!(replied.contains("将于近日到现场核查"), "{replied}");
    // The head asks for the reporter's identity: a head's decision.
    head.open_case(&reference).await;
    head.fill("#why", "需要当面核实井下作业的具体时间。").await;
    let requested = head.press("form[action$='/disclosure']", "向保密专员申请查看身份").await;
    assert!(!requested.contains("申请查看身份"), "no second request is offered: {requested}");
    officer.act("start_verification").await;
    officer.choose("#conclude-outcome", "substantiated").await;
    officer.fill("#conclude-fine", "200000").await;
    officer.fill("#feedback", "经现场核查，举报属实，已责令停产整改并罚款二十万元。").await;
    let proposed = officer.act("propose_conclusion").await;
    assert!(proposed.contains("待") || proposed.contains("负责人"), "{proposed}");
    officer.open("/staff").await;
    officer.shoot("staff-queue", 360).await;

    // The reporter follows the tip with the reference and the query code.
    reporter.open("/track").await;
    reporter.fill("#reference", &reference).await;
    reporter.fill("#query_code", &code).await;
    let status = reporter.press("form[action='/track']", "查询").await;
    assert!(status.contains("将于近日到现场核查"), "{status}");

    // The head reads the proposal and approves it.
    let case = head.open_case(&reference).await;
    head.shoot("staff-case-proposal", 1280).await;
    assert!(case.contains("属实") && case.contains("200000") || case.contains("200 000"), "{case}");
    head.tick("#approve-confirm").await;
    let approved = head.act("approve").await;
    assert!(approved.contains("已办结") || approved.contains("批准"), "{approved}");

    // The custodian decides the disclosure; the reporter sees it.
    admin.client.delete_all_cookies().await.unwrap();
    admin.sign_in("bao.custodian", PASSWORD, &custodian_secret).await;
    admin.open("/staff/disclosures").await;
    admin.tick("input[name=confirm]").await;
    let decided = admin.press("form:has(input[name=confirm])", "批准披露身份").await;
    assert!(decided.contains("张三") || decided.contains("已批准"), "{decided}");
    let status = reporter.open("/track/status").await;
    assert!(status.contains("已披露"), "the reporter sees the disclosure: {status}");

    // The reward: proposed, approved, authorised, claimed, paid.
    let case = officer.open_case(&reference).await;
    assert!(case.contains("奖励"), "{case}");
    officer.press("form[action$='/reward']:has(input[value=propose])", "提议奖励（报负责人批准）").await;
    head.open_case(&reference).await;
    head.tick("#reward-confirm").await;
    head.press("form[action$='/reward']:has(input[value=approve])", "批准奖励（交财务核准）").await;
    let (_f, finance) = Person::at(1280, &app.address, &names, &problems).await;
    finance.sign_in("qian.finance", PASSWORD, &finance_secret).await;
    // Two people in finance: one authorises, the other records the payment.
    finance.follow("密钥与成员").await;
    finance.tick("form[action$='/approve'] input[name=confirm]").await;
    finance.press("form[action$='/approve']", "批准 sun.finance").await;
    finance.open("/staff/finance").await;
    finance.tick("input[id^=authorise-confirm-]").await;
    finance.press("form:has(input[name=step][value=authorise])", "核准并通知举报人").await;
    reporter.open("/track/status").await;
    reporter.tick("input[name=method][value=bank]").await;
    reporter.fill("#name", "张三").await;
    reporter.fill("#id_number", "11010519491231002X").await;
    reporter.fill("#bank", "中国工商银行重庆分行").await;
    reporter.fill("#account", "6222020200112233445").await;
    let claimed = reporter.press("form[action='/track/reward']", "提交领取申请").await;
    assert!(claimed.contains("奖励"), "{claimed}");
    let waiting = finance.open("/staff/finance").await;
    assert!(waiting.contains("另一名财务人员"), "{waiting}");
    let (_p, payer) = Person::at(1280, &app.address, &names, &problems).await;
    payer.sign_in("sun.finance", PASSWORD, &payer_secret).await;
    payer.open("/staff/finance").await;
    payer.fill("input[name=payment_reference]", "ICBC-2026-0001").await;
    payer.tick("input[id^=pay-confirm-]").await;
    let paid = payer.press("form:has(input[name=step][value=pay])", "登记已付款").await;
    assert!(paid.contains("已"), "{paid}");
    let status = reporter.open("/track/status").await;
    assert!(status.contains("已发放") || status.contains("已付款"), "{status}");

    // A second tip goes to another department.
    let (second, _) = file(&reporter, "井口值班室堆放雷管", false).await;
    officer.open_case(&second).await;
    officer.choose("#to", "fire").await;
    officer.tick("#transfer-confirm").await;
    let moved = officer.act("transfer").await;
    assert!(moved.contains(&second), "{moved}");
    assert!(moved.contains("消防"), "{moved}");

    // The same pages in English carry no raw codes either.
    head.open_case(&reference).await;
    let english = head.follow("English").await;
    let url = head.client.current_url().await.unwrap();
    assert!(english.contains("Timeline"), "{url}: {english}");
    reporter.open("/track/status").await;
    let english = reporter.follow("English").await;
    assert!(
        english.contains("Transferred to Fire and Rescue Corps"),
        "the second tip's reporter sees where it went: {english}"
    );
    payer.follow("English").await;
    admin.open("/staff/disclosures").await;
    admin.follow("English").await;

    let problems = problems.lock().unwrap();
    assert!(problems.is_empty(), "{} pages do not read well:\n\n{}", problems.len(), problems.join("\n\n"));
    // Every page visited, in both languages, found each of its words in the catalogue.
    let missing = jubao_templates::i18n::missing();
    assert!(missing.is_empty(), "keys the catalogue lacks: {missing:?}");
}
