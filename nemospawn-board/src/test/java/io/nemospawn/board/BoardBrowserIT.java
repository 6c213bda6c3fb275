package io.nemospawn.board;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.nemospawn.NemoSpawn;
import io.nemospawn.Team;
import io.nemospawn.plan.Plan;
import io.nemospawn.plan.PlanSpec;
import io.nemospawn.plan.PlanStatus;
import io.nemospawn.state.AccessKeys;
import io.nemospawn.task.Task;
import io.nemospawn.task.TaskSpec;
import io.nemospawn.task.TaskState;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.logging.Level;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.NoAlertPresentException;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The board in a real browser (Debian's headless chromium through chromedriver): no console
 * errors, live moves without reload, hostile text inert, changes guarded by the key. One browser
 * for the class. With {@code -Dboard.screenshot=PATH} the first test saves a screenshot there.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class BoardBrowserIT {
  static Path data;
  static NemoSpawn ns;
  static Team team;
  static BoardServer board;
  static String key;
  static Browser browser;
  static ChromeDriver driver;

  /** Thirty strings that would run script or inject markup if the page built HTML from data. */
  static final List<String> HOSTILE = List.of(
      "<script>window.pwned=1;alert(1)</script>",
      "<img src=x onerror=\"window.pwned=2;alert(2)\">",
      "\"><svg onload=\"window.pwned=3;alert(3)\">",
      "javascript:window.pwned=4",
      "<a href=\"javascript:window.pwned=5\">click me</a>",
      "'';!--\"<XSS>=&{()}",
      "<iframe src=\"javascript:parent.pwned=7\"></iframe>",
      "<body onload=window.pwned=8>",
      "{{constructor.constructor('window.pwned=9')()}}",
      "${window.pwned=10}",
      "\u202Egnp.exe evil rlo",
      "\u2066isolate\u2069 \u200Bzero\u200Dwidth",
      "line1\nline2\r\nline3",
      "tab\there\u0007bell\u001b[31mred\u001b[0m",
      "A".repeat(5000),
      "<style>body{display:none}</style>",
      "<math><mtext><table><mglyph><style><img src=x onerror=window.pwned=17>",
      "<details open ontoggle=window.pwned=18>",
      "</title><script>window.pwned=19</script>",
      "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==",
      "<object data=\"javascript:window.pwned=21\">",
      "<input autofocus onfocus=window.pwned=22>",
      "&lt;script&gt;window.pwned=23&lt;/script&gt;",
      "<!--comment--><b>bold</b>",
      "\u0085nel\u2028ls\u2029ps",
      "<svg><animate onbegin=window.pwned=26 attributeName=x dur=1s>",
      "<video><source onerror=\"window.pwned=27\">",
      "%3Cscript%3Ewindow.pwned=28%3C/script%3E",
      "<marquee onstart=window.pwned=29>",
      "<form action=\"javascript:window.pwned=30\"><button>x</button></form>");

  @BeforeAll
  static void start() throws Exception {
    data = Files.createTempDirectory("board-it");
    Path gpus = data.resolve("recorded-gpus");
    Files.createDirectories(gpus);
    try (InputStream in = BoardBrowserIT.class.getResourceAsStream("/gpus/h100/query.csv")) {
      Files.copy(in, gpus.resolve("query.csv"));
    }
    System.setProperty("nemospawn.gpu.recorded", gpus.toString());
    ns = NemoSpawn.open(data);
    team = Teams.realistic(ns);
    AccessKeys keys = AccessKeys.of(data);
    key = keys.generate("it");
    board = BoardServer.start(
        team,
        BoardOptions.builder()
            .port(0)
            .keys(keys)
            .studies(List.of("llama-sft-lr"))
            .gpuInterval(Duration.ofSeconds(1))
            .cost(BoardBrowserIT::costs)
            .build());
    browser = Browser.start(1440, 2200);
    driver = browser.driver;
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (board != null) {
      board.close();
    }
    if (team != null) {
      team.close();
    }
    if (ns != null) {
      ns.close();
    }
    System.clearProperty("nemospawn.gpu.recorded");
  }

  /** The costs as core's ledger would give them; one agent's name is hostile. */
  static CostView costs() {
    String trainer = team.agents().get("trainer-0").id();
    return new CostView(
        java.time.Instant.parse("2026-12-03T08:00:00Z"),
        java.time.Instant.now(),
        new java.math.BigDecimal("42.5"),
        new java.math.BigDecimal("4.5"),
        new java.math.BigDecimal("17"),
        1_100_520L,
        520L,
        List.of(
            new CostView.Agent(
                trainer,
                "trainer-0",
                new java.math.BigDecimal("16"),
                new java.math.BigDecimal("40"),
                0L,
                java.math.BigDecimal.ZERO),
            new CostView.Agent(
                "evil-1",
                HOSTILE.get(1),
                new java.math.BigDecimal("1"),
                new java.math.BigDecimal("2.5"),
                1_100_520L,
                new java.math.BigDecimal("4.5"))),
        List.of(new CostView.Limit(
            "usd", new java.math.BigDecimal("47"), new java.math.BigDecimal("50"))));
  }

  static WebDriverWait waitUpTo(Duration d) {
    // the board re-renders on every live event, so an element found in one poll may be replaced
    // before the next call on it: such a poll counts as "not yet", never as a failure
    WebDriverWait w = new WebDriverWait(driver, d);
    w.pollingEvery(Duration.ofMillis(20));
    w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    return w;
  }

  static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  static List<LogEntry> severe() {
    List<LogEntry> out = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      if (e.getLevel().intValue() >= Level.WARNING.intValue()) {
        out.add(e);
      }
    }
    return out;
  }

  static void openBoard() {
    driver.get(board.uri().toString());
    waitUpTo(Duration.ofSeconds(15))
        .until(d -> "live".equals(d.findElement(By.id("conn")).getText())
            && !d.findElements(By.cssSelector("#kanban .card")).isEmpty());
  }

  @Test
  @Order(1)
  void pageLoadsWithEveryPanelAndNoConsoleErrors() throws Exception {
    openBoard();
    waitUpTo(Duration.ofSeconds(10))
        .until(d -> !d.findElements(By.cssSelector("#gpus .gpu")).isEmpty()
            && !d.findElements(By.cssSelector("#hpo svg.chart")).isEmpty());
    assertThat(driver.findElements(By.cssSelector("[data-state=done] .card"))).hasSize(2);
    assertThat(driver.findElements(By.cssSelector("[data-state=running] .card")))
        .hasSize(2);
    assertThat(driver.findElements(By.cssSelector("[data-state=failed] .card"))).hasSize(1);
    assertThat(driver.findElements(By.cssSelector("#edges path.edge")))
        .hasSizeGreaterThanOrEqualTo(5);
    assertThat(driver.findElements(By.cssSelector("#agents tr[data-agent-id]"))).hasSize(4);
    assertThat(text(By.id("agents")))
        .contains("trainer-0")
        .contains("leader")
        .contains("0, 1")
        .contains("step 300/2000");
    assertThat(driver.findElements(By.cssSelector("#messages li"))).hasSizeGreaterThanOrEqualTo(4);
    assertThat(driver.findElements(By.cssSelector("#plans .plan"))).hasSize(3);
    assertThat(driver.findElements(By.cssSelector("#plans button.approve"))).hasSize(2);
    assertThat(driver.findElements(By.cssSelector("#artifacts tr[data-artifact-id]")))
        .hasSize(3);
    assertThat(text(By.cssSelector("#artifacts tr[data-artifact-id]")))
        .contains("1.412")
        .contains("promoted");
    assertThat(driver.findElements(By.cssSelector("#gpus .gpu"))).hasSize(4);
    assertThat(driver.findElements(By.cssSelector("#hpo svg[data-chart=history] circle")))
        .isNotEmpty();
    assertThat(driver.findElements(By.cssSelector("#hpo svg[data-chart=intermediate] path.pruned")))
        .isNotEmpty();
    assertThat(driver.findElements(By.cssSelector("#hpo svg[data-chart=importance] rect")))
        .isNotEmpty();
    waitUpTo(Duration.ofSeconds(10))
        .until(d -> !d.findElements(By.cssSelector("#cost .cost-total")).isEmpty());
    assertThat(text(By.cssSelector("#cost .cost-total")))
        .contains("$47.00")
        .contains("GPU $42.50 (17.000 GPU-h)")
        .contains("tokens $4.50 (1,100,520 tokens, 520 without a price)");
    assertThat(driver
            .findElement(By.cssSelector("#cost .bar.budget[data-limit=usd]"))
            .getAttribute("class"))
        .contains("near");
    assertThat(text(By.cssSelector("#cost .limit"))).contains("budget USD: 47 of 50 (94 %)");
    assertThat(driver.findElements(By.cssSelector("#cost tr[data-agent-id]"))).hasSize(2);
    assertThat(text(By.cssSelector("#cost tr[data-agent-id=evil-1] td")))
        .startsWith(HOSTILE.get(1));
    assertThat(driver.findElements(By.cssSelector("#cost img"))).isEmpty();
    assertThat(js("return window.pwned === undefined")).isEqualTo(true);
    assertThat(severe()).as("console errors and warnings").isEmpty();
    String shot = System.getProperty("board.screenshot");
    if (shot != null && !shot.isBlank()) {
      Path out = Path.of(shot);
      Files.createDirectories(out.toAbsolutePath().getParent());
      Files.write(out, ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }
  }

  @Test
  @Order(2)
  void aTaskCompletedThroughTheLibraryMovesToDoneWithoutReload() throws Exception {
    openBoard();
    js("window.__sameLoad = 'yes';");
    Task running = team.tasks().list(TaskState.RUNNING).get(0);
    By card = By.cssSelector("[data-state=done] [data-task-id='" + running.id() + "']");
    assertThat(driver.findElements(card)).isEmpty();
    long t0 = System.nanoTime();
    team.tasks().complete(running.id());
    // the bound only catches a lost event: event, SSE, render and the poll take well under a
    // second on an idle machine, far longer on a loaded CI runner; the time is printed below
    waitUpTo(Duration.ofSeconds(20)).until(d -> !d.findElements(card).isEmpty());
    long ms = (System.nanoTime() - t0) / 1_000_000;
    System.out.println("task moved to done on the page after " + ms + " ms");
    assertThat(js("return window.__sameLoad;")).isEqualTo("yes");
    assertThat(driver.findElements(
            By.cssSelector("[data-state=running] [data-task-id='" + running.id() + "']")))
        .isEmpty();
  }

  @Test
  @Order(3)
  void thirtyHostileStringsRenderAsText() throws Exception {
    openBoard();
    long scripts = (Long) js("return document.scripts.length;");
    List<String> ids = new ArrayList<>();
    for (String h : HOSTILE) {
      ids.add(team.tasks().create(TaskSpec.of(h).withDescription(h)).id());
      team.inbox().send("lead", "trainer-0", h);
    }
    List<Plan> plans = new ArrayList<>();
    for (int i = 0; i < HOSTILE.size(); i += 5) {
      plans.add(team.plans()
          .submit(new PlanSpec(
              "trainer-1",
              HOSTILE.get(i),
              HOSTILE.get(i + 1),
              List.of(HOSTILE.get(i + 2), HOSTILE.get(i + 3)))));
    }
    // arrive live, without reload
    waitUpTo(Duration.ofSeconds(10))
        .until(d -> d.findElements(By.cssSelector("#kanban .card")).size() >= 7 + HOSTILE.size()
            && d.findElements(By.cssSelector("#plans .plan")).size() >= 3 + plans.size());
    driver.navigate().refresh(); // and again from /api/board
    waitUpTo(Duration.ofSeconds(15))
        .until(d -> d.findElements(By.cssSelector("#kanban .card")).size() >= 7 + HOSTILE.size());
    Thread.sleep(
        1500); // give any injected handler (onload, onerror, ontoggle, animation) time to fire
    assertThatThrownBy(() -> driver.switchTo().alert()).isInstanceOf(NoAlertPresentException.class);
    assertThat(js("return typeof window.pwned;")).isEqualTo("undefined");
    assertThat(js("return document.scripts.length;")).isEqualTo(scripts);
    assertThat(
            driver.findElements(
                By.cssSelector(
                    "main img, main iframe, main object, main input:not(#send-to):not(#send-body), main style, main details, main video, main marquee, main form:not(#send), main a, main math, main b")))
        .isEmpty();
    assertThat(
            js(
                "return [...document.querySelectorAll('*')].filter(e => [...e.attributes].some(a => a.name.startsWith('on'))).length;"))
        .isEqualTo(0L);
    for (int i = 0; i < ids.size(); i++) {
      // compared as JSON, so that the WebDriver wire cannot alter line breaks or controls
      String title = (String) js(
          "return JSON.stringify(document.querySelector(\"[data-task-id='\" + arguments[0] + \"'] .title\").textContent);",
          ids.get(i));
      String expected = team.tasks().get(ids.get(i)).title();
      assertThat(MAPPER.readValue(title, String.class))
          .as("title %d: page %s, library %s", i, title, MAPPER.writeValueAsString(expected))
          .isEqualTo(expected);
    }
    // visible as text, e.g. the script tag shows its source
    assertThat(text(By.cssSelector("[data-task-id='" + ids.get(0) + "'] .title")))
        .isEqualTo(HOSTILE.get(0));
    Object feed = js("return document.getElementById('messages').textContent;");
    assertThat((String) feed).contains(HOSTILE.get(1)).contains(HOSTILE.get(2));
    Object planText = js(
        "return document.querySelector(\"[data-plan-id='\" + arguments[0] + \"']\").textContent;",
        plans.get(0).id());
    assertThat((String) planText)
        .contains(HOSTILE.get(0))
        .contains(HOSTILE.get(1))
        .contains(HOSTILE.get(2));
    assertThat(severe()).as("console errors and warnings").isEmpty();
  }

  @Test
  @Order(4)
  void approvingAPlanNeedsTheKey() throws Exception {
    Plan p =
        team.plans().submit(new PlanSpec("evaluator", "Run HumanEval too", "", List.of("pass@1")));
    Path planFile;
    try (Stream<Path> files = Files.walk(team.dir())) {
      planFile = files
          .filter(f -> f.getFileName().toString().contains(p.id()))
          .findFirst()
          .orElseThrow();
    }
    byte[] before = Files.readAllBytes(planFile);
    openBoard();
    By approve = By.cssSelector("[data-plan-id='" + p.id() + "'] button.approve");
    waitUpTo(Duration.ofSeconds(20)).until(d -> !d.findElements(approve).isEmpty());
    click(approve);
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> d.findElement(By.id("notice")).getText().startsWith("401"));
    Thread.sleep(300);
    assertThat(Files.readAllBytes(planFile)).isEqualTo(before);
    assertThat(team.plans().get(p.id()).status()).isEqualTo(PlanStatus.PENDING);
    // a wrong key is refused too. The notice still shows the 401 of the approval above, so wait
    // for the page to have handled the login's answer: it empties the key field then (typing the
    // right key before that would be wiped or appended to).
    js("document.getElementById('notice').textContent = '';");
    driver.findElement(By.id("key")).sendKeys("not-the-key-" + key);
    click(By.cssSelector("#login button"));
    waitUpTo(Duration.ofSeconds(15))
        .until(d -> d.findElement(By.id("notice")).getText().startsWith("401")
            && d.findElement(By.id("key")).getDomProperty("value").isEmpty());
    // the key
    driver.findElement(By.id("key")).sendKeys(key);
    click(By.cssSelector("#login button"));
    waitUpTo(Duration.ofSeconds(15)).until(d -> d.findElement(By.id("who")).isDisplayed());
    assertThat(driver.manage().getCookieNamed("nemospawn_board").isHttpOnly()).isTrue();
    assertThat(js("return document.cookie;")).isEqualTo("");
    click(approve);
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> team.plans().get(p.id()).status() == PlanStatus.APPROVED);
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> d.findElement(By.cssSelector("[data-plan-id='" + p.id() + "'] .status"))
            .getText()
            .equals("approved"));
    assertThat(team.plans().get(p.id()).reviewer()).isEqualTo("board");
    // the refused attempts show in the console as failed requests (401); nothing else
    assertThat(severe()).allSatisfy(e -> assertThat(e.getMessage()).contains("401"));
  }

  static final tools.jackson.databind.json.JsonMapper MAPPER =
      tools.jackson.databind.json.JsonMapper.builder().build();

  /** The element's visible text, finding it again when a live re-render replaced it. */
  static String text(By by) {
    return waitUpTo(Duration.ofSeconds(20)).until(d -> d.findElement(by).getText());
  }

  /** Clicks, finding the element again when a live re-render replaced it. */
  static void click(By by) {
    waitUpTo(Duration.ofSeconds(20)).until(d -> {
      d.findElement(by).click();
      return true;
    });
  }
}
