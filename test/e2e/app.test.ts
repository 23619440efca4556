import { expect } from "chai";
import type { ChildProcess } from "node:child_process";
import { execFileSync } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import path from "node:path";

import { HDNodeWallet, JsonRpcProvider, Mnemonic, NonceManager, Wallet, keccak256, toUtf8Bytes } from "ethers";
import type { Browser, Page } from "playwright-core";

import { LOCAL_ACCOUNTS, type LocalAccountName } from "../../config/localAccounts";
import { DocumentService, MIIP, type PairingRequest, answerPairing, loadDeployment } from "../../packages/sdk/src/node";
import { axeViolations, gzippedScripts, launchBrowser, walletPage } from "../helpers/browser";
import { ROOT, startSeededNode } from "../helpers/node";

const DIST = path.join(ROOT, "app", "dist");
/** The issue's budget for a first load: JavaScript, gzipped. */
const FIRST_LOAD_BUDGET = 250_000;
const SCREENSHOTS = process.env.MIIP_SCREENSHOTS ? path.join(ROOT, "docs", "screenshots") : undefined;

/** Hardhat's test mnemonic (public): the seeded accounts' keys, as the app's picker lists them. */
function keyOf(name: LocalAccountName): string {
  const mnemonic = Mnemonic.fromPhrase("test test test test test test test test test test test junk");
  return HDNodeWallet.fromMnemonic(mnemonic, `m/44'/60'/0'/0/${LOCAL_ACCOUNTS[name]}`).privateKey;
}

function keyAddress(name: LocalAccountName): string {
  return new Wallet(keyOf(name)).address;
}

/**
 * The web app in a real browser (Debian's Chromium, driven by playwright-core) against `npm run app`'s seeded node,
 * document service and relayer. Every role's main journey, signed by an injected wallet holding a local key (the
 * path MetaMask takes); every page checked with axe-core; the first load weighed; failures shown in words.
 */
describe("The web app in a browser: each role's journey against a seeded node", function () {
  this.timeout(300_000);
  let node: ChildProcess;
  let dir: string;
  let rpcUrl: string;
  let appUrl: string;
  let browser: Browser;
  let closeBrowser: () => Promise<void>;
  let reader: MIIP;
  let firstPack: string;
  let startedOutput: string;
  const open: { close(): Promise<void> }[] = [];

  before(async function () {
    execFileSync("npm", ["run", "build:packages"], { cwd: ROOT, stdio: "pipe" });
    execFileSync("npm", ["run", "build", "-w", "@miip/app"], { cwd: ROOT, stdio: "pipe" });
    const started = await startSeededNode(
      "miip:app",
      ["--gateway-port", "0", "--app-port", "0", "--documents-port", "0", "--relayer-port", "0"],
      "MIIP app ready at",
    );
    dir = started.dir;
    rpcUrl = started.rpc;
    node = started.node;
    appUrl = /MIIP app ready at (http:\/\/[\d.:]+\/)/.exec(started.output())![1];
    firstPack = /#\/check checks a pack: (\S+)\)/.exec(started.output())![1];
    startedOutput = started.output();
    const deployment = loadDeployment("localhost", path.join(dir, "deploy", "deployments"));
    reader = await MIIP.connect(new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true }), deployment);
    ({ browser, close: closeBrowser } = await launchBrowser());
    if (SCREENSHOTS) mkdirSync(SCREENSHOTS, { recursive: true });
  });

  after(async function () {
    for (const o of open) await o.close().catch(() => undefined);
    await closeBrowser?.();
    node?.kill();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  /** A page whose wallet holds `name`'s key, its JavaScript requests recorded. */
  async function asAccount(name: LocalAccountName) {
    const opened = await walletPage(browser, rpcUrl, keyOf(name));
    open.push(opened.context);
    const scripts: string[] = [];
    opened.page.on("request", (request) => {
      if (request.url().startsWith(appUrl) && request.url().endsWith(".js")) scripts.push(request.url());
    });
    return { ...opened, scripts };
  }

  /** Connects the injected wallet and waits for the role's page. */
  async function connect(page: Page, heading: RegExp) {
    await page.goto(appUrl);
    await page.getByRole("button", { name: "브라우저 지갑으로 연결 (MetaMask 등)" }).click();
    await page.getByRole("heading", { level: 1, name: heading }).waitFor({ timeout: 30_000 });
  }

  /** On the patient's medicines tab, adds the seeded prescription's key (kept on this device only). */
  async function addPrescription(page: Page) {
    await page.getByRole("tab", { name: "받은 의약품" }).click();
    await page.getByLabel("처방 비밀키 (병원 처방전에 있음)").fill(keccak256(toUtf8Bytes("seed prescription A")));
    await page.getByLabel("발행 기관").fill("1");
    await page.getByRole("button", { name: "처방 키 추가" }).click();
  }

  async function expectAccessible(page: Page, where: string) {
    const violations = await axeViolations(page);
    expect(violations, `${where}: ${JSON.stringify(violations, null, 2)}`).to.deep.equal([]);
  }

  async function shot(page: Page, name: string) {
    if (SCREENSHOTS) await page.screenshot({ path: path.join(SCREENSHOTS, `${name}.png`), fullPage: true });
  }

  /** Waits for the page's status or alert that matches `text`, and returns it. */
  async function notice(page: Page, text: RegExp) {
    const found = page.locator(".notice").filter({ hasText: text }).first();
    await found.waitFor({ timeout: 60_000 });
    return (await found.textContent()) ?? "";
  }

  it("first load: the shell alone, well under the budget; the public check and the patient portal within it", async function () {
    const { page, scripts } = await asAccount("stranger");
    await page.goto(appUrl);
    await page.getByRole("heading", { level: 1 }).waitFor();
    const shell = gzippedScripts(scripts, DIST);
    expect(shell).to.be.below(100_000);
    await expectAccessible(page, "connect page");
    await shot(page, "connect");

    // A config.json that lists keys for another chain than the local one: the picker offers none of them.
    const foreign = await asAccount("stranger");
    await foreign.page.route(`${appUrl}config.json`, async (route) => {
      const real = (await (await route.fetch()).json()) as Record<string, unknown>;
      await route.fulfill({ json: { ...real, chainId: 1, deployment: real.deployment } });
    });
    await foreign.page.goto(appUrl);
    await foreign.page.getByRole("heading", { level: 1 }).waitFor();
    expect(await foreign.page.getByRole("heading", { name: "로컬 노드의 데모 계정" }).count()).to.equal(0);
    expect(await page.getByRole("heading", { name: "로컬 노드의 데모 계정" }).count()).to.equal(1);

    const check = await asAccount("stranger");
    await check.page.goto(`${appUrl}#/check`);
    await check.page.getByRole("textbox", { name: /포장 코드/ }).waitFor({ timeout: 30_000 });
    const checkLoad = gzippedScripts(check.scripts, DIST);
    expect(checkLoad).to.be.at.most(FIRST_LOAD_BUDGET);

    const patient = await asAccount("patientA");
    await connect(patient.page, /환자/);
    await patient.page.locator("li[data-record]").first().waitFor({ timeout: 30_000 });
    const patientLoad = gzippedScripts(patient.scripts, DIST);
    expect(patientLoad).to.be.at.most(FIRST_LOAD_BUDGET);
    console.log(
      `      first load, JavaScript gzipped: shell ${shell} B, pack check ${checkLoad} B, patient portal ${patientLoad} B (budget ${FIRST_LOAD_BUDGET} B)`,
    );
  });

  it("hospital: uploads a record for a patient from a file, and starts two claims for it", async function () {
    const { page, wallet } = await asAccount("hospital");
    await connect(page, /병원/);
    await expectAccessible(page, "hospital console");
    const upload = page.locator("form", { has: page.getByRole("heading", { name: "암호화된 기록 등록" }) });
    await upload.getByLabel("환자 번호").fill("1");
    await upload.getByLabel("종류").selectOption("lab-result");
    // 1.5 MiB: two UnixFS chunks and a tree node, each block sent to the document service.
    const body = Buffer.concat([
      Buffer.from("Seoul General Hospital lipid panel: LDL 3.1 mmol/L\n"),
      Buffer.alloc(1_500_000, 0x20),
    ]);
    await upload.getByLabel("파일").setInputFiles({ name: "lipids.txt", mimeType: "text/plain", buffer: body });
    await upload.getByRole("button", { name: "암호화하여 등록" }).click();
    expect(await notice(page, /기록 #\d+를 등록했습니다/)).to.match(/기록 #5를/);
    expect(wallet.calls).to.include("eth_sendTransaction");
    const record = await reader.records.get(5);
    expect(record.patientId).to.equal(1n);
    await shot(page, "hospital");

    // A small claim (paid at once when the patient confirms), and a large one (reviewed by the insurer).
    const bill = page.locator("form", { has: page.getByRole("heading", { name: "진료비 청구 시작" }) });
    await bill.getByLabel("기록 번호 (쉼표로 구분)").fill("5");
    await bill.getByLabel("금액 (IST)").fill("250");
    await bill.getByRole("button", { name: "청구 서명·제출" }).click();
    await notice(page, /환자의 확인을 기다립니다/);
    await bill.getByLabel("기록 번호 (쉼표로 구분)").fill("1");
    await bill.getByLabel("금액 (IST)").fill("1000");
    await bill.getByRole("button", { name: "청구 서명·제출" }).click();
    await page
      .locator(".notice")
      .filter({ hasText: /처리 중/ })
      .waitFor({ state: "detached", timeout: 60_000 });
    await notice(page, /환자의 확인을 기다립니다/);

    // A refusal from a contract, in words: a programme that does not exist.
    await bill.getByLabel("보험 프로그램").fill("99");
    await bill.getByRole("button", { name: "청구 서명·제출" }).click();
    expect(await notice(page, /계약이 거절했습니다/)).to.match(/99.*\(Claims\w+\)/);

    // A corrected version of a record: a new record that supersedes the first, for the same patient.
    const amend = page.locator("form", { has: page.getByRole("heading", { name: "기록 정정" }) });
    await amend.getByLabel("기록", { exact: true }).fill("5");
    const corrected = Buffer.from("Seoul General Hospital lipid panel (corrected): LDL 3.0 mmol/L\n");
    await amend.getByLabel("파일").setInputFiles({ name: "lipids-v2.txt", mimeType: "text/plain", buffer: corrected });
    await amend.getByRole("button", { name: "정정본 등록" }).click();
    await amend
      .locator(".notice")
      .filter({ hasText: /기록 #\d+를 등록했습니다/ })
      .waitFor({ timeout: 60_000 });
    const amended = (await amend
      .locator(".notice")
      .filter({ hasText: /기록 #\d+를 등록했습니다/ })
      .textContent())!;
    amendedId = BigInt(/#(\d+)/.exec(amended)![1]);
    expect((await reader.records.get(amendedId)).supersedes).to.equal(5n);

    // Break-glass for patient B, with its reason, then its justification (a digest of the note kept by the hospital).
    const emergency = page.locator("form", { has: page.getByRole("heading", { name: "응급 열람 시작" }) });
    await emergency.getByLabel("환자 번호").fill("2");
    await emergency.getByRole("button", { name: "응급 열람 시작" }).click();
    await emergency
      .locator(".notice")
      .filter({ hasText: /응급 열람이 열렸습니다/ })
      .waitFor({ timeout: 60_000 });
    await emergency.getByLabel("소명 내용 (병원에 보관, 해시만 체인에 기록)").fill("Unconscious on arrival, 02:10");
    await emergency.getByRole("button", { name: "사후 소명 제출" }).click();
    await emergency
      .locator(".notice")
      .filter({ hasText: /완료되었습니다/ })
      .waitFor({ timeout: 60_000 });
    const hospitalId = (await reader.participants.memberOf(wallet.address))!.id;
    expect((await reader.consent.emergencyState(2, wallet.address)).justifyBy).to.equal(0);
    expect(hospitalId).to.equal(1);
  });

  it("patient: opens a record, grants the pharmacy, confirms both claims, authorises a fill; all without ETH", async function () {
    const { page, wallet } = await asAccount("patientA");
    const ethBefore = await reader.contracts.token.runner!.provider!.getBalance(wallet.address);
    await connect(page, /환자/);
    await page.locator("li[data-record='5']").getByRole("button", { name: /열기/ }).click();
    await page.getByTestId("document-text").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("document-text").textContent()).to.include("LDL 3.1 mmol/L");
    await expectAccessible(page, "patient timeline");
    await shot(page, "patient-timeline");

    await page.getByRole("tab", { name: "열람 동의" }).click();
    await page.getByLabel("받는 기관").selectOption({ label: "Gangnam Onnuri Pharmacy (약국)" });
    await page.getByLabel("범위").selectOption("lab-result");
    await page.getByRole("button", { name: "동의하기" }).click();
    expect(await notice(page, /기록의 열쇠를/)).to.match(/3개 기록의 열쇠를 Gangnam Onnuri Pharmacy에/);
    await expectAccessible(page, "patient consent");
    await shot(page, "patient-consent");

    await page.getByRole("tab", { name: "보험 청구" }).click();
    const waiting = page.locator("li[data-bill]");
    await waiting.first().waitFor({ timeout: 30_000 });
    expect(await waiting.count()).to.equal(2);
    await waiting.filter({ hasText: "250" }).getByRole("button", { name: "확인하고 청구" }).click();
    expect(await notice(page, /지급됨|심사 중/)).to.include("지급됨");
    await page
      .locator("li[data-bill]")
      .filter({ hasText: "1,000" })
      .getByRole("button", { name: "확인하고 청구" })
      .click();
    expect(await notice(page, /지급됨|심사 중/)).to.include("심사 중");
    await page.locator("tr[data-claim]").nth(1).waitFor({ timeout: 30_000 });
    await expectAccessible(page, "patient claims");

    await addPrescription(page);
    await page.getByLabel("약국 #1").selectOption({ label: "Gangnam Onnuri Pharmacy" });
    await page.getByRole("button", { name: "약국 조제 승인" }).click();
    await page.getByTestId("fill-authorization").waitFor({ timeout: 30_000 });
    fillAuthorization = (await page.getByTestId("fill-authorization").textContent())!;
    await expectAccessible(page, "patient medicines");

    for (const tab of ["보호자", "응급 열람", "열람 기록"]) {
      await page.getByRole("tab", { name: tab }).click();
      await page.getByRole("heading", { level: 2, name: tab }).waitFor();
      await expectAccessible(page, `patient ${tab}`);
    }
    // Every patient action went through the relayer: the patient's ETH did not move.
    expect(await reader.contracts.token.runner!.provider!.getBalance(wallet.address)).to.equal(ethBefore);
    expect(wallet.calls).to.not.include("eth_sendTransaction");
  });
  let fillAuthorization = "";
  let amendedId = 0n;

  it("pharmacy: reads the shared prescription (logged), verifies a pack, dispenses it with the patient's authorisation", async function () {
    const { page } = await asAccount("pharmacy");
    await connect(page, /약국/);
    await page.getByRole("button", { name: "열기 #2" }).click();
    await page.getByTestId("document-text").waitFor({ timeout: 60_000 });
    expect(await page.getByTestId("document-text").textContent()).to.include("Metformin 500 mg");
    await page.getByRole("button", { name: "열기 #5" }).click();
    await page.getByText("LDL 3.1 mmol/L").waitFor({ timeout: 60_000 });
    await expectAccessible(page, "pharmacy console");

    await page.getByLabel("포장 코드").fill(firstPack);
    await page.getByRole("button", { name: "확인", exact: true }).click();
    await page.getByTestId("pack-result").getByText("정품입니다").waitFor({ timeout: 30_000 });
    await page.getByLabel("환자의 조제 승인 (환자 휴대폰의 JSON)").fill(fillAuthorization);
    await page.getByRole("button", { name: "조제", exact: true }).click();
    await notice(page, /조제했습니다/);
    await shot(page, "pharmacy");
  });

  it("patient: sees the pharmacy's reads in the trail, then revokes the grant", async function () {
    const { page } = await asAccount("patientA");
    await connect(page, /환자/);
    await page.getByRole("tab", { name: "열람 기록" }).click();
    const rows = page.locator("table.trail tbody tr");
    // Names come after the rows: wait for the pharmacy's two reads (#2, #5) to be named.
    await rows.filter({ hasText: "Gangnam Onnuri Pharmacy" }).nth(1).waitFor({ timeout: 30_000 });
    expect(await rows.filter({ hasText: "#5" }).count()).to.equal(1);
    await shot(page, "patient-trail");

    // The unit the pharmacy dispensed, found from the prescription's key alone, with its leaflet.
    await addPrescription(page);
    const unit = page.getByRole("listitem").filter({ hasText: "Metformin Hanmi 500 mg" });
    await unit.waitFor({ timeout: 30_000 });
    expect(await unit.textContent()).to.match(/LOT-DEMO-1.*Gangnam Onnuri Pharmacy.*설명서: ko v1/);

    await page.getByRole("tab", { name: "열람 동의" }).click();
    const row = page.locator("tr[data-grant]").filter({ hasText: "검사 결과" });
    await row.getByRole("button", { name: "철회" }).click();
    await row.getByText("철회됨").waitFor({ timeout: 60_000 });
  });

  it("insurer: sees the large claim in its review queue with its deadline, and approves it", async function () {
    const { page } = await asAccount("insurer");
    await connect(page, /보험사/);
    const claim = page.locator("tr[data-claim]");
    await claim.first().waitFor({ timeout: 30_000 });
    expect(await claim.count()).to.equal(1);
    expect(await claim.first().textContent()).to.match(/800 IST.*일 남음/);
    await expectAccessible(page, "insurer console");
    await shot(page, "insurer");
    const claimId = await claim.first().getAttribute("data-claim");
    await claim.first().getByRole("button", { name: "승인" }).click();
    await page.locator("tr[data-claim]").first().waitFor({ state: "detached", timeout: 60_000 });
    expect((await reader.claims.get(BigInt(claimId!))).status).to.equal("paid");
  });

  it("research: a study opened in the researcher's console, joined and fed from the patient's portal after reviewing the de-identified copy, read and paid; then a hospital's bill paid without ETH", async function () {
    const researcher = await asAccount("researcher");
    await connect(researcher.page, /연구기관/);
    // Its key published (two signatures), so that patients can seal their contributions for it: the offer goes.
    await researcher.page.getByRole("button", { name: "암호화 키 공개" }).click();
    await researcher.page
      .getByRole("button", { name: "암호화 키 공개" })
      .waitFor({ state: "detached", timeout: 60_000 });
    await researcher.page.getByLabel("종류").selectOption("lab-result");
    await researcher.page.getByLabel("건당 보상 (IST)").fill("10");
    await researcher.page.getByLabel("최대 건수").fill("2");
    await researcher.page.getByLabel("연구 약관").fill("KAIST cohort: no re-identification, deletion after 3 years");
    await researcher.page.getByLabel("비식별 기준").fill("Safe Harbor");
    await researcher.page.getByRole("button", { name: "연구 데이터 요청 열기" }).click();
    expect(await notice(researcher.page, /요청 #1/)).to.match(/요청 #1를 열고 20 IST를 예치했습니다/);
    await expectAccessible(researcher.page, "researcher console");

    const patient = await asAccount("patientA");
    const ethBefore = await reader.contracts.token.runner!.provider!.getBalance(patient.wallet.address);
    await connect(patient.page, /환자/);
    await patient.page.getByRole("tab", { name: "연구 참여" }).click();
    const study = patient.page.locator("li[data-study='1']");
    await study.getByRole("button", { name: "참여 동의" }).click();
    await study.getByLabel("기록").selectOption("1");
    await study.getByRole("button", { name: "데이터 제공" }).click();
    const review = patient.page.locator("section[data-review='1']");
    await review.waitFor({ timeout: 60_000 });
    expect(await review.locator("pre").textContent()).to.include("HbA1c 6.1 %");
    await expectAccessible(patient.page, "patient research review");
    await shot(patient.page, "patient-research");
    await review.getByRole("button", { name: "이대로 보내기" }).click();
    await notice(patient.page, /제공 #1가 등록되었습니다/);

    await connect(researcher.page, /연구기관/);
    const row = researcher.page.locator("tr[data-contribution='1']");
    await row.getByRole("button", { name: "열람" }).click();
    await researcher.page
      .locator("figure.document pre")
      .filter({ hasText: "HbA1c 6.1 %" })
      .waitFor({ timeout: 60_000 });
    await researcher.page.locator("tr[data-contribution='1']").getByRole("button", { name: "수락" }).click();
    expect(await notice(researcher.page, /환자에게/)).to.match(/환자에게 10 IST를 지급했습니다/);
    await shot(researcher.page, "researcher");

    await patient.page.getByRole("tab", { name: "청구서" }).click();
    await patient.page.getByRole("tab", { name: "연구 참여" }).click();
    await patient.page.locator("p[data-earned='10000000000000000000']").waitFor({ timeout: 30_000 });
    await patient.page.getByRole("tab", { name: "열람 기록" }).click();
    await patient.page.locator("tr[data-contribution-read='1']").waitFor({ timeout: 30_000 });

    // The hospital bills the patient's prescription visit (record 2: no claim paid the hospital for it, so nothing is
    // deducted); the patient pays it from the portal, its permit signed in the wallet.
    const deployment = loadDeployment("localhost", path.join(dir, "deploy", "deployments"));
    const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
    const hospital = await MIIP.connect(new NonceManager(new Wallet(keyOf("hospital"), provider)), deployment);
    await hospital.invoices.issue({
      patientId: 1,
      recordId: 2,
      amount: 80n * 10n ** 18n,
      bill: toUtf8Bytes("visit 80"),
    });
    await patient.page.getByRole("tab", { name: "청구서" }).click();
    const invoice = patient.page.locator("li[data-invoice='1']");
    // The bill, then what is due on it (read after the list): the button comes with the amount.
    await invoice.getByRole("button", { name: "납부" }).waitFor({ timeout: 60_000 });
    await invoice.getByRole("button", { name: "납부" }).click();
    expect(await notice(patient.page, /납부했습니다/)).to.match(/80 IST를 납부했습니다/);
    await expectAccessible(patient.page, "patient bills");
    expect((await reader.invoices.get(1)).status).to.equal("paid");
    expect(await reader.contracts.token.runner!.provider!.getBalance(patient.wallet.address)).to.equal(ethBefore);
    expect(patient.wallet.calls).to.not.include("eth_sendTransaction");
  });

  it("devices: a patient pairs a provisioned glucose monitor, the hospital follows it under consent and reads a day's readings with its alerts computed in the page; the patient stops it and revokes the monitor", async function () {
    const deployment = loadDeployment("localhost", path.join(dir, "deploy", "deployments"));
    const provider = new JsonRpcProvider(rpcUrl, undefined, { staticNetwork: true });
    const documentsUrl = /document service (http:\/\/[\d.:]+)/.exec(startedOutput)![1];
    const service = new DocumentService({ url: documentsUrl });
    // At the factory: the monitor's key, provisioned by the manufacturer for the seeded model 1.
    const monitorSecret = keccak256(toUtf8Bytes("app test glucose monitor"));
    const monitor = new Wallet(monitorSecret);
    const manufacturer = await MIIP.connect(new Wallet(keyOf("manufacturer"), provider), deployment);
    const provisioning = await manufacturer.devices.provision(monitor.address, 1);

    // Patient B (patient 2): patient A's relayed actions in later journeys stay within the relayer's quota per minute.
    const patient = await asAccount("patientB");
    await connect(patient.page, /환자/);
    await patient.page.getByRole("tab", { name: "내 기기" }).click();
    // The page shows a pairing request; the monitor (here, outside the page: its key never enters it) answers it.
    await patient.page.getByRole("button", { name: "연결 요청 만들기" }).click();
    const shown = patient.page.locator("pre[data-pairing-request]");
    await shown.waitFor();
    const request = JSON.parse((await shown.textContent())!) as PairingRequest;
    expect(request.patientId).to.equal("2");
    const own = { modelId: 1, firmware: 0, provisioning };
    // An answer the monitor signed for patient A is refused in the page, before anything is relayed.
    const forA = await answerPairing(monitor, { ...request, patientId: "1" }, own);
    const answerBox = patient.page.getByLabel("기기의 응답 (기기가 서명한 연결)");
    await answerBox.fill(JSON.stringify(forA));
    await patient.page.getByRole("button", { name: "기기 연결" }).click();
    expect(await notice(patient.page, /patient 1, not 2/)).to.match(/the device answered a pairing for patient 1/);
    await answerBox.fill(JSON.stringify(await answerPairing(monitor, request, own)));
    await patient.page.getByRole("button", { name: "기기 연결" }).click();
    expect(await notice(patient.page, /연결했습니다/)).to.match(/기기 #1를 연결했습니다/);
    await patient.page.locator("tr[data-device='1']").waitFor({ timeout: 30_000 });
    await expectAccessible(patient.page, "patient devices");

    // The patient lets the hospital follow its device readings (from its phone's SDK, as the consent tab would).
    const patientKey = new NonceManager(new Wallet(keyOf("patientB"), provider));
    const phone = await MIIP.connect(patientKey, deployment, { store: service.blobs, shares: service.shares });
    const { grantIds } = await phone.consent.grant({
      grantee: keyAddress("hospital"),
      purpose: "treatment",
      scope: { kind: "record-type", types: ["device-readings"] },
      expiresAt: (await phone.now()) + 30 * 86_400,
    });
    const hospital = await asAccount("hospital");
    await connect(hospital.page, /병원/);
    await hospital.page.getByRole("region", { name: "원격 모니터링" }).getByLabel("환자 번호").fill("2");
    await hospital.page.getByRole("button", { name: "따라가기", exact: true }).click();
    expect(await notice(hospital.page, /따라갑니다/)).to.match(/환자 2의 기기를 따라갑니다/);

    // The phone seals a day of readings (one low) for the patient and the hospital; the monitor signs the anchor.
    const hospitalClient = await MIIP.connect(new Wallet(keyOf("hospital"), provider), deployment);
    let hospitalPublic = await service.publicKeyOf(keyAddress("hospital"));
    if (!hospitalPublic) {
      hospitalPublic = (await hospitalClient.documents.encryptionKey()).publicKey;
      await service.openSession(new Wallet(keyOf("hospital"), provider), hospitalPublic);
    }
    const patientPublic = (await phone.documents.encryptionKey()).publicKey;
    await service.openSession(patientKey, patientPublic);
    // The readings since the binding (the chain's clock is not moved: later journeys depend on it), 48 of them, one
    // of them low.
    const from = (await phone.devices.device(monitor.address)).lastEnd + 1;
    const to = Math.max(from, await phone.now());
    const readings = Array.from({ length: 48 }, (_, i) => [from + (i % (to - from + 1)), i === 10 ? 58 : 110] as const);
    await phone.devices.anchorReadings({
      device: monitor,
      readings,
      from,
      to,
      kind: "glucose",
      unit: "mg/dL",
      patientPublicKey: patientPublic,
      recipients: [{ account: keyAddress("hospital"), publicKey: hospitalPublic }],
    });
    await connect(hospital.page, /병원/);
    const row = hospital.page.locator("tr[data-notice='1-1']");
    await row.getByRole("button", { name: "열기" }).click();
    const day = hospital.page.locator("div[data-readings='1-1']");
    await day.waitFor({ timeout: 60_000 });
    expect(await day.textContent())
      .to.match(/glucose 측정 48건/)
      .and.to.match(/범위\(70–250\) 밖의 값 1건/);
    await expectAccessible(hospital.page, "hospital monitoring");
    await shot(hospital.page, "hospital-monitoring");

    // The patient stops the hospital at once, then loses the monitor and revokes it.
    await connect(patient.page, /환자/);
    await patient.page.getByRole("tab", { name: "내 기기" }).click();
    await patient.page.locator("li[data-follower]").getByRole("button", { name: "중지" }).click();
    await notice(patient.page, /더 이상 알림을 받지 않습니다/);
    await patient.page.locator("tr[data-device='1']").getByRole("button", { name: "분실 해지" }).click();
    await notice(patient.page, /기기를 해지했습니다/);
    await shot(patient.page, "patient-devices");
    // The consent ends too, as the journeys after this one expect (the hospital holds no grant of patient A's).
    await phone.consent.revoke(grantIds[0]);
    expect((await reader.devices.device(monitor.address)).status).to.equal("revoked");
    expect(await reader.devices.followers(2)).to.deep.equal([]);
    expect(patient.wallet.calls).to.not.include("eth_sendTransaction");
  });

  it("a stranger, with no account, checks a pack: genuine before the recall, recalled after, in Korean or English", async function () {
    const { page } = await asAccount("stranger");
    await page.goto(`${appUrl}#/check`);
    const code = page.getByRole("textbox", { name: "포장 코드" });
    await code.fill("not a pack code");
    await page.getByRole("button", { name: "확인" }).click();
    expect(await notice(page, /포장 코드를 읽을 수 없습니다/)).to.match(/AI \(01\)/);

    const second = firstPack.replace("KR00000000", "KR00000001");
    await code.fill(second);
    await page.getByRole("button", { name: "확인" }).click();
    await page.getByTestId("pack-result").getByText("정품입니다").waitFor({ timeout: 30_000 });
    expect(await page.getByTestId("pack-result").textContent()).to.include("Metformin Hanmi");

    // A document service that withholds the maker's serials file: the check fails in words, the pack is not called
    // counterfeit.
    const config = (await (await fetch(`${appUrl}config.json`)).json()) as { documentsUrl: string };
    await page.route(`${config.documentsUrl}/ipfs/**`, (route) => route.abort("connectionrefused"));
    await page.getByRole("button", { name: "확인" }).click();
    await notice(page, /문서 서비스에 연결할 수 없습니다/);
    expect(await page.getByTestId("pack-result").count()).to.equal(0);
    await page.unroute(`${config.documentsUrl}/ipfs/**`);

    // A shared link with a broken escape: the page shows the code as typed, never a blank screen.
    const link = await asAccount("stranger");
    await link.page.goto(`${appUrl}#/check?code=%E0%A4%A`);
    expect(await link.page.getByRole("textbox", { name: "포장 코드" }).inputValue()).to.equal("%E0%A4%A");
    expect(link.errors).to.deep.equal([]);

    const manufacturer = new NonceManager(new Wallet(keyOf("manufacturer"), new JsonRpcProvider(rpcUrl)));
    // The maker's message is the maker's text: shown as text, never as markup (React escapes it; the CSP forbids
    // inline scripts in any case).
    const message = 'Return to the pharmacy: NDMA above limit <img src=x onerror="document.title=1">';
    await reader.as(manufacturer).supply.recall(1, "contamination", message);
    await page.getByRole("button", { name: "확인" }).click();
    expect(await notice(page, /회수된 제품입니다/)).to.include(message);
    expect(await page.locator("[data-testid=pack-result] img").count()).to.equal(0);
    expect(await page.title()).to.equal("MIIP");
    await expectAccessible(page, "pack check");
    await shot(page, "pack-check-recalled");

    await page.getByLabel("언어").selectOption("en");
    await page.getByRole("button", { name: "Verify" }).click();
    expect(await notice(page, /Recalled/)).to.include("NDMA above limit");

    // The patient who received a unit of the batch sees the recall among their medicines.
    const patient = await asAccount("patientA");
    await connect(patient.page, /환자/);
    await addPrescription(patient.page);
    expect(await notice(patient.page, /회수 알림/)).to.include("NDMA above limit");
    await shot(patient.page, "patient-recall");
  });

  it("shows failures in words: a wrong network, a refused signature, a relayer down or refusing, a document that fails its digest", async function () {
    const stranger = await asAccount("patientB");
    stranger.wallet.chainId = 1;
    stranger.wallet.refuseSwitch = true;
    await stranger.page.goto(appUrl);
    await stranger.page.getByRole("button", { name: "브라우저 지갑으로 연결 (MetaMask 등)" }).click();
    expect(await notice(stranger.page, /다른 네트워크/)).to.match(/체인 1\b.*체인 31337/);

    const { page, wallet } = await asAccount("patientA");
    await connect(page, /환자/);
    await page.getByRole("tab", { name: "응급 열람" }).click();
    const block = page.getByRole("button", { name: "이 병원의 응급 열람 차단" }).first();
    await block.waitFor({ timeout: 30_000 });
    wallet.rejectNext = true;
    await block.click();
    await notice(page, /서명이 거절되었습니다/);

    const config = (await (await fetch(`${appUrl}config.json`)).json()) as { relayerUrl: string };
    await page.route(`${config.relayerUrl}/relay`, (route) => route.abort("connectionrefused"));
    await block.click();
    await notice(page, /릴레이어에 연결할 수 없습니다/);
    await page.unroute(`${config.relayerUrl}/relay`);
    await page.route(`${config.relayerUrl}/relay`, (route) =>
      route.fulfill({
        status: 429,
        contentType: "application/json",
        headers: { "Access-Control-Allow-Origin": "*" },
        body: JSON.stringify({ reason: "rate-limited", message: "too many requests for patient 1: wait a minute" }),
      }),
    );
    await block.click();
    expect(await notice(page, /릴레이어가 요청을 거절했습니다/)).to.include("wait a minute");
    await page.unroute(`${config.relayerUrl}/relay`);
    await block.click();
    await page.getByRole("button", { name: "차단 해제" }).first().waitFor({ timeout: 60_000 });
    expect((await reader.consent.emergencyState(1, keyAddress("hospital"))).blocked).to.equal(true);

    // A record whose registered digest is not its document's: the app refuses to show what the store returned.
    const hospital = new NonceManager(new Wallet(keyOf("hospital"), new JsonRpcProvider(rpcUrl)));
    const genuine = await reader.history.documentOf(1);
    const { recordId } = await reader.as(hospital).records.register({
      patientId: 1,
      digest: keccak256(toUtf8Bytes("another document")),
      recordType: "lab-result",
      uri: genuine.uri,
    });
    await page.getByRole("tab", { name: "진료 기록" }).click();
    await page.locator(`li[data-record='${recordId}']`).getByRole("button", { name: /열기/ }).click();
    await notice(page, /등록된 해시와 맞지 않습니다/);
    expect(await page.locator("body").textContent()).to.not.match(/at \w+ \(|Error:/);
  });

  it("a patient with 1,000 records sees the first page of the timeline in under a second", async function () {
    const hospital = new NonceManager(new Wallet(keyOf("hospital"), new JsonRpcProvider(rpcUrl)));
    const records = reader.as(hospital).records;
    let last = 0n;
    for (let batch = 0; batch < 5; batch++) {
      const { recordIds } = await records.registerBatch(
        Array.from({ length: 200 }, (_, i) => ({
          patientId: 2,
          digest: keccak256(toUtf8Bytes(`patient B document ${batch * 200 + i}`)),
          recordType: i % 2 === 0 ? "lab-result" : "imaging",
          uri: `ipfs://bafkreigh2akiscaildcqabsyg3dfr6chu3fgpregiymsck7e7aqa4s52zy`,
        })),
      );
      last = recordIds[recordIds.length - 1];
    }
    expect((await reader.history.recordsOfPatient(2, { limit: 0 })).total).to.equal(1002);
    const { page } = await asAccount("patientB");
    await connect(page, /환자/);
    await page.locator("li[data-record]").first().waitFor({ timeout: 30_000 });
    await page.getByRole("tab", { name: "열람 동의" }).click();
    const started = Date.now();
    await page.getByRole("tab", { name: "진료 기록" }).click();
    await page.locator(`li[data-record='${last}']`).waitFor({ timeout: 30_000 });
    const elapsed = Date.now() - started;
    expect(await page.locator("li[data-record]").count()).to.equal(20);
    expect(await page.getByText("1002개 중 1–20").count()).to.equal(1);
    console.log(`      first page of 1,002 records in ${elapsed} ms`);
    expect(elapsed).to.be.below(1000);
  });
});
