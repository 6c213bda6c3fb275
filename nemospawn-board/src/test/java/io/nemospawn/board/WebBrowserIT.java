package io.nemospawn.board;

import static org.assertj.core.api.Assertions.assertThat;

import io.nemospawn.NemoSpawn;
import io.nemospawn.server.ControlPlane;
import io.nemospawn.server.ControlPlanes;
import io.nemospawn.state.AccessKeys;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.HttpURLConnection;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.logging.Level;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.logging.LogEntry;
import org.openqa.selenium.logging.LogType;
import org.openqa.selenium.support.ui.WebDriverWait;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.json.JsonMapper;

/**
 * The web console in a real browser (headless chromium through chromedriver) against a real
 * control plane with mock swarms: launch from the page, talk with the routing syntax, approve and
 * deny, projects, reload mid-stream, hostile text; projects of stand-in Codex workers run to the
 * integration merge, and a broken one is resumed from the page. One browser for the class; every
 * wait treats a re-rendered element as "not yet". With {@code -Dweb.screenshot=PATH} it saves a
 * screenshot, with {@code -Dweb.projects.screenshot=PATH} one of the projects and spend.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class WebBrowserIT {
  static final JsonMapper MAPPER = JsonMapper.builder().build();
  static final List<String> HOSTILE = List.of(
      "<script>window.pwned=1</script>",
      "<img src=x onerror=\"window.pwned=2\">",
      "\"><svg onload=\"window.pwned=3\">",
      "<a href=\"javascript:window.pwned=4\">x</a>",
      "\u202Egnp.exe rlo \u2066iso\u2069",
      "<iframe src=\"javascript:parent.pwned=6\"></iframe>");

  static Path data;
  static Path repo;
  static String key;
  static NemoSpawn ns;
  static ControlPlanes.Served served;
  static WebConsole web;
  static Browser browser;
  static ChromeDriver driver;
  static String alpha;

  @BeforeAll
  static void start() throws Exception {
    data = Files.createTempDirectory("web-it");
    key = ControlPlane.ensureKey(data).orElseThrow();
    // the stand-in Codex workers' model is priced (USD per million tokens); the mock stays unpriced
    Files.writeString(
        data.resolve("pricing.json"),
        "{\"format\": \"nemospawn.pricing.v1\", \"version\": \"web-it\", \"models\":"
            + " {\"fake-codex\": {\"input\": \"1000\", \"output\": \"2000\"}}}");
    ns = NemoSpawn.open(data);
    served =
        ControlPlanes.serve(ns, ControlPlane.Options.defaults(data).withAddress("127.0.0.1", 0));
    web = WebConsole.start(served.server().url(), key, AccessKeys.of(data), "127.0.0.1", 0);
    browser = Browser.start(1440, 2000);
    driver = browser.driver;
  }

  @AfterAll
  static void stop() {
    if (browser != null) {
      browser.close();
    }
    if (served != null) {
      WebBridgeTest.terminateAll(served.server().url(), key);
    }
    if (web != null) {
      web.close();
    }
    if (served != null) {
      served.close();
    }
    if (ns != null) {
      ns.close();
    }
  }

  static WebDriverWait waitUpTo(Duration d) {
    // the page re-renders lists on events: a stale element is "not yet", never a failure
    WebDriverWait w = new WebDriverWait(driver, d);
    w.pollingEvery(Duration.ofMillis(50));
    w.ignoring(org.openqa.selenium.StaleElementReferenceException.class);
    w.ignoring(org.openqa.selenium.NoSuchElementException.class);
    return w;
  }

  static Object js(String script, Object... args) {
    return ((JavascriptExecutor) driver).executeScript(script, args);
  }

  static void open() {
    driver.get(web.uri().toString());
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> "live".equals(d.findElement(By.id("conn")).getText()));
  }

  static void login() {
    driver.findElement(By.id("key")).sendKeys(key);
    driver.findElement(By.id("login-btn")).click();
    waitUpTo(Duration.ofSeconds(10))
        .until(d -> d.findElement(By.id("who")).getText().equals("logged in"));
  }

  static String swarmCss(String id) {
    return ".swarm[data-swarm='" + id + "']";
  }

  static void say(String swarmId, String text) {
    type(swarmId, text);
    waitUpTo(Duration.ofSeconds(10))
        .until(d -> d.findElement(By.cssSelector(swarmCss(swarmId) + " textarea.prompt"))
            .getAttribute("value")
            .isEmpty());
  }

  static void type(String swarmId, String text) {
    WebElement box = driver.findElement(By.cssSelector(swarmCss(swarmId) + " textarea.prompt"));
    js("arguments[0].value = arguments[1];", box, text);
    driver.findElement(By.cssSelector(swarmCss(swarmId) + " button.send")).click();
  }

  @SuppressWarnings("unchecked")
  static List<String> texts(String css) {
    return (List<String>) js(
        "return Array.from(document.querySelectorAll(arguments[0])).map(e => e.textContent);", css);
  }

  static String launch(String alias, int nodes, String params) {
    int before = driver.findElements(By.cssSelector(".swarm")).size();
    js("document.getElementById('params').value = arguments[0];", params);
    WebElement n = driver.findElement(By.id("nodes"));
    n.clear();
    n.sendKeys(String.valueOf(nodes));
    WebElement a = driver.findElement(By.id("alias"));
    a.clear();
    a.sendKeys(alias);
    driver.findElement(By.id("launch-btn")).click();
    waitUpTo(Duration.ofSeconds(60))
        .until(d -> d.findElements(By.cssSelector(".swarm")).size() == before + 1
            && texts(".swarm .title").contains(alias));
    String id = (String) js(
        "return Array.from(document.querySelectorAll('.swarm')).find(s =>"
            + " s.querySelector('.title').textContent === arguments[0]).getAttribute('data-swarm');",
        alias);
    waitUpTo(Duration.ofSeconds(30))
        .until(d -> d.findElements(By.cssSelector(swarmCss(id) + " .node")).size() == nodes);
    return id;
  }

  @Test
  @Order(1)
  void launchAMockTeamOfThreeFromThePageAndTalkWithAllAndNode() throws Exception {
    open();
    assertThat(texts("#provider option")).anySatisfy(t -> assertThat(t).contains("Mock"));
    login();
    alpha = launch("alpha", 3, "{}");
    assertThat(texts("#launch-log li")).anySatisfy(t -> assertThat(t).startsWith("ready"));
    say(alpha, "/all hello team");
    waitUpTo(Duration.ofSeconds(30))
        .until(d -> texts(swarmCss(alpha) + " .ev.assistant").size() == 3);
    for (int i = 0; i < 3; i++) {
      assertThat(texts(swarmCss(alpha) + " .node[data-node='" + i + "'] .ev.assistant"))
          .containsExactly("mock: hello team");
    }
    say(alpha, "/node[1] only you");
    waitUpTo(Duration.ofSeconds(30))
        .until(
            d -> texts(swarmCss(alpha) + " .node[data-node='1'] .ev.assistant").size() == 2);
    assertThat(texts(swarmCss(alpha) + " .node[data-node='1'] .ev.assistant"))
        .containsExactly("mock: hello team", "mock: only you");
    assertThat(texts(swarmCss(alpha) + " .node[data-node='0'] .ev.assistant")).hasSize(1);
    assertThat(texts(swarmCss(alpha) + " .node[data-node='1'] .ev.turn"))
        .contains("— turn started —", "— turn complete —");
    // a malformed directive is refused with its reason, nothing sent
    type(alpha, "/node[3-1] backwards");
    waitUpTo(Duration.ofSeconds(10))
        .until(d -> texts("#errors .err").stream().anyMatch(t -> t.contains("runs backwards")));
    waitUpTo(Duration.ofSeconds(10)).until(d -> !texts("#spend tr").isEmpty());
    assertThat(texts("#spend tr.team-total")).hasSize(1);
    String shot = System.getProperty("web.screenshot");
    if (shot != null) {
      Files.write(Path.of(shot), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }
  }

  @Test
  @Order(2)
  void approveOneCommandAndDenyAnother() throws Exception {
    say(alpha, "/node[0] RUN: make ok");
    say(alpha, "/node[2] RUN: rm -rf danger");
    waitUpTo(Duration.ofSeconds(30))
        .until(d -> d.findElements(By.cssSelector("#approvals .approval")).size() == 2);
    assertThat(texts("#approvals .approval .who"))
        .containsExactlyInAnyOrder("alpha / node 0", "alpha / node 2");
    assertThat(texts("#approvals .approval .muted"))
        .allSatisfy(t -> assertThat(t).contains("cwd: "));
    approval("make ok").findElement(By.cssSelector("button.approve")).click();
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> d.findElements(By.cssSelector("#approvals .approval")).size() == 1);
    approval("rm -rf danger").findElement(By.cssSelector("button.deny")).click();
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> d.findElements(By.cssSelector("#approvals .approval")).isEmpty());
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> texts(swarmCss(alpha) + " .node[data-node='0'] .ev.cmd").stream()
                .anyMatch(t -> t.contains("make ok") && t.contains("→ completed"))
            && texts(swarmCss(alpha) + " .node[data-node='2'] .ev.cmd").stream()
                .anyMatch(t -> t.contains("rm -rf danger") && t.contains("→ declined")));
    String audit = Files.readString(data.resolve("audit.jsonl"));
    assertThat(audit.lines().filter(l -> l.contains("\"approved\":true"))).hasSize(1);
    assertThat(audit.lines().filter(l -> l.contains("\"approved\":false"))).hasSize(1);
  }

  static WebElement approval(String command) {
    return waitUpTo(Duration.ofSeconds(10))
        .until(d -> d.findElements(By.cssSelector("#approvals .approval")).stream()
            .filter(e -> e.getText().contains(command))
            .findFirst()
            .orElse(null));
  }

  @Test
  @Order(3)
  void hostileTextInPromptsRepliesAndTaskTitlesRendersInert() throws Exception {
    for (String h : HOSTILE) {
      say(alpha, "/node[2] " + h);
    }
    // node 2 already holds earlier turns' replies: wait for every hostile one, not for a count
    List<String> expected = HOSTILE.stream().map(h -> "mock: " + h).toList();
    waitUpTo(Duration.ofSeconds(60))
        .until(d ->
            texts(swarmCss(alpha) + " .node[data-node='2'] .ev.assistant").containsAll(expected));
    List<String> replies = texts(swarmCss(alpha) + " .node[data-node='2'] .ev.assistant");
    for (String h : HOSTILE) {
      assertThat(replies).contains("mock: " + h);
      assertThat(texts(swarmCss(alpha) + " .node[data-node='2'] .ev.prompt")).contains("▶ " + h);
    }
    // task titles: a project over a real git repository, hostile titles
    repo = Files.createTempDirectory("web-repo");
    git(repo, "init", "-q", "-b", "main");
    Files.writeString(repo.resolve("README.md"), "demo\n");
    git(repo, "add", ".");
    git(repo, "-c", "user.email=it@example.com", "-c", "user.name=it", "commit", "-qm", "init");
    StringBuilder tasks = new StringBuilder("[");
    for (int i = 0; i < HOSTILE.size(); i++) {
      tasks
          .append(i == 0 ? "" : ",")
          .append("{\"id\":\"t")
          .append(i)
          .append("\",\"title\":")
          .append(MAPPER.writeValueAsString(HOSTILE.get(i)))
          .append(",\"prompt\":\"noop\"}");
    }
    tasks.append("]");
    js(
        "document.getElementById('p-title').value = arguments[0];"
            + "document.getElementById('p-repo').value = arguments[1];"
            + "document.getElementById('p-workers').value = arguments[2];"
            + "document.getElementById('p-tasks').value = arguments[3];",
        "<b>proj</b>",
        repo.toString(),
        jobId(alpha),
        tasks.toString());
    driver.findElement(By.id("project-btn")).click();
    waitUpTo(Duration.ofSeconds(30))
        .withMessage(() -> "project tasks shown: " + texts("#projects .t-title") + "; errors: "
            + texts("#errors .err"))
        .until(d -> texts("#projects .t-title").containsAll(HOSTILE));
    assertThat(texts("#projects .p-title")).contains("<b>proj</b>");
    assertThat(js("return window.pwned === undefined && !window.parent.pwned")).isEqualTo(true);
    assertThat(js("return document.querySelectorAll('main script, main img, main svg, main iframe,"
            + " main a, main b').length"))
        .isEqualTo(0L);
    // a project over a path that is no git repository: the reason is shown
    js("document.getElementById('p-repo').value = '/nonexistent/$(id)';");
    driver.findElement(By.id("project-btn")).click();
    waitUpTo(Duration.ofSeconds(10))
        .until(d -> texts("#errors .err").stream().anyMatch(t -> t.contains("$(id)")));
  }

  static String jobId(String swarmId) {
    try (var c =
        io.nemospawn.server.codeswarm.RouterClient.connect(served.server().url(), key)) {
      return c.call(
              "swarm_list",
              io.nemospawn.server.codeswarm.RouterClient.payload(),
              "swarm_list",
              Duration.ofSeconds(10))
          .path("swarms")
          .path(swarmId)
          .path("job_id")
          .asString();
    }
  }

  static void git(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).inheritIO().start();
    assertThat(p.waitFor()).isZero();
  }

  @Test
  @Order(4)
  void aReloadMidStreamShowsEveryEventOnce() throws Exception {
    String slow = launch("slow", 1, "{\"mock_delay_ms\": 150}");
    say(slow, "/all " + "word ".repeat(30));
    waitUpTo(Duration.ofSeconds(30))
        .until(d -> !d.findElements(By.cssSelector(swarmCss(slow) + " .delta")).isEmpty());
    driver.navigate().refresh();
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> "live".equals(d.findElement(By.id("conn")).getText()));
    waitUpTo(Duration.ofSeconds(60))
        .until(d -> texts(swarmCss(slow) + " .ev.turn").contains("— turn complete —"));
    long last = web.lastSeq();
    // the page's last handled seq and what it shows, read in one script so that no event the page
    // receives meanwhile (other swarms keep reporting) lands between the two; expected up to it
    @SuppressWarnings("unchecked")
    Map<String, Object> page = waitUpTo(Duration.ofSeconds(20)).until(d -> {
      Map<String, Object> m = (Map<String, Object>)
          js("return {last: Number(document.body.getAttribute('data-last-seq')),"
              + " shown: Array.from(document.querySelectorAll('[data-seq]')).map(e =>"
              + " e.getAttribute('data-seq'))};");
      return ((Number) m.get("last")).longValue() >= last ? m : null;
    });
    long pageSeq = ((Number) page.get("last")).longValue();
    @SuppressWarnings("unchecked")
    List<String> shown = (List<String>) page.get("shown");
    assertThat(shown).doesNotHaveDuplicates();
    Set<String> expected = new HashSet<>();
    for (JsonNode e : events(pageSeq)) {
      JsonNode d = e.path("data");
      if (e.path("seq").asLong() <= pageSeq
          && d.has("swarm_id")
          && d.has("node_id")
          && RENDERED.contains(e.path("event").asString())) {
        expected.add(e.path("seq").asString());
      }
    }
    assertThat(new HashSet<>(shown)).isEqualTo(expected);
    List<LogEntry> severe = new ArrayList<>();
    for (LogEntry e : driver.manage().logs().get(LogType.BROWSER)) {
      if (e.getLevel().intValue() >= Level.SEVERE.intValue()
          && !e.getMessage().contains("/api/web/command")) {
        severe.add(e);
      }
    }
    assertThat(severe).isEmpty();
  }

  @Test
  @Order(5)
  void aReplyPromptShowsTheAnswerOnTheSendersCard() throws Exception {
    String bee = launch("bee", 1, "{}");
    say(alpha, "/swarm[bee]/idle/reply which tests failed?");
    waitUpTo(Duration.ofSeconds(30))
        .until(d -> !texts(swarmCss(alpha) + " .reply").isEmpty());
    assertThat(texts(swarmCss(alpha) + " .reply"))
        .singleElement()
        .satisfies(t -> assertThat(t)
            .startsWith("[Reply from /swarm[bee]/node[0] for request ")
            .endsWith("]\nmock: which tests failed?"));
    assertThat(texts(swarmCss(bee) + " .reply")).isEmpty();
    assertThat(texts("#launch-log li.route"))
        .anySatisfy(t -> assertThat(t).startsWith("auto_reply_submitted: bee/node 0 → alpha"));
  }

  static String builders;

  /** A git repository with one commit on main. */
  static Path gitRepo(String name) throws Exception {
    Path r = Files.createTempDirectory(name);
    git(r, "init", "-q", "-b", "main");
    Files.writeString(r.resolve("README.md"), "demo\n");
    git(r, "add", ".");
    git(r, "-c", "user.email=it@example.com", "-c", "user.name=it", "commit", "-qm", "init");
    return r;
  }

  static String gitOut(Path dir, String... args) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertThat(p.waitFor()).as("%s: %s", cmd, out).isZero();
    return out;
  }

  /** Creates a project from the page's form and returns its id once its graph is shown. */
  static String createProject(String title, Path repoPath, String workers, String tasks) {
    js(
        "document.getElementById('p-title').value = arguments[0];"
            + "document.getElementById('p-repo').value = arguments[1];"
            + "document.getElementById('p-workers').value = arguments[2];"
            + "document.getElementById('p-tasks').value = arguments[3];"
            + "document.getElementById('p-spec').value = '';",
        title,
        repoPath.toString(),
        workers,
        tasks);
    driver.findElement(By.id("project-btn")).click();
    return waitUpTo(Duration.ofSeconds(30))
        .withMessage(() -> "errors: " + texts("#errors .err"))
        .until(d -> (String) js(
            "const b = Array.from(document.querySelectorAll('#projects .project')).find(p =>"
                + " p.querySelector('.p-title').textContent === arguments[0]);"
                + " return b ? b.getAttribute('data-project') : null;",
            title));
  }

  static String projectCss(String pid) {
    return "#projects .project[data-project='" + pid + "']";
  }

  static String status(String pid) {
    return texts(projectCss(pid) + " .p-status").stream().findFirst().orElse("");
  }

  static void awaitStatus(String pid, String wanted) {
    waitUpTo(Duration.ofSeconds(120))
        .withMessage(() -> "project " + pid + " is " + status(pid) + ": "
            + texts(projectCss(pid) + " .task") + "; errors: " + texts("#errors .err"))
        .until(d -> status(pid).equals(wanted));
  }

  static String task(String pid, String tid) {
    return texts(projectCss(pid) + " .task[data-task='" + tid + "']").stream()
        .findFirst()
        .orElse("");
  }

  @Test
  @Order(6)
  void aProjectOfWorkersDoingRealGitWorkFinishesWithTheIntegrationMergeAndItsSpendPerTask()
      throws Exception {
    // workers: the local provider with a stand-in Codex app-server that commits in its worktree
    List<String> cmd = io.nemospawn.junit.FakeAgents.javaCommand();
    cmd.add(FakeCodexWorker.class.getName());
    tools.jackson.databind.node.ObjectNode params = MAPPER.createObjectNode();
    params.put("channel", "codex-app-server");
    cmd.forEach(params.putArray("command")::add);
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("provider")))
        .selectByValue("local");
    js("document.getElementById('model').value = 'fake-codex';");
    builders = launch("builders", 2, MAPPER.writeValueAsString(params));
    new org.openqa.selenium.support.ui.Select(driver.findElement(By.id("provider")))
        .selectByValue("mock");
    js("document.getElementById('model').value = '';");
    Path r = gitRepo("web-proj");
    String pid = createProject(
        "Ship it",
        r,
        jobId(builders),
        "[{\"id\":\"a\",\"title\":\"Core\",\"prompt\":\"Write a.txt\"},"
            + "{\"id\":\"b\",\"title\":\"Docs\",\"prompt\":\"Write b.txt\"},"
            + "{\"id\":\"c\",\"title\":\"Top\",\"prompt\":\"Write c.txt\","
            + "\"depends_on\":[\"a\",\"b\"]}]");
    awaitStatus(pid, "completed");
    // the page's graph: every task done on its branch, the integration task merged
    for (String t : List.of("a", "b", "c", "integration")) {
      assertThat(task(pid, t)).as(t).contains("· completed").contains("project/" + pid + "/" + t);
    }
    assertThat(task(pid, "c")).contains("after a,b");
    // the repository really has the work and the merge
    String integration = "project/" + pid + "/integration";
    assertThat(gitOut(r, "ls-tree", "--name-only", integration))
        .contains("README.md", "a.txt", "b.txt", "c.txt");
    assertThat(gitOut(r, "log", "--format=%s", integration))
        .contains("Merge project/" + pid + "/c");
    assertThat(gitOut(r, "ls-tree", "--name-only", "project/" + pid + "/c"))
        .contains("a.txt", "b.txt", "c.txt");
    // the tasks reached the workers as injections: each worker's stream shows its task turn
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> texts(swarmCss(builders) + " .ev.assistant")
            .containsAll(List.of(
                "done a on project/" + pid + "/a",
                "done b on project/" + pid + "/b",
                "done c on project/" + pid + "/c")));
    // spend per task and per project: the usage events of each task's turn, summed
    Map<String, Long> tokens = new java.util.TreeMap<>();
    Map<String, BigDecimal> cost = new java.util.TreeMap<>();
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> taskSpend(pid).keySet().containsAll(List.of("a", "b", "c")));
    for (JsonNode e : events(web.lastSeq())) {
      JsonNode d = e.path("data");
      if (e.path("event").asString().equals("usage")
          && d.path("project_id").asString().equals(pid)) {
        String t = d.path("task_id").asString();
        tokens.merge(t, d.path("last_total_tokens").asLong(), Long::sum);
        cost.merge(t, d.path("last_estimated_cost_usd").decimalValue(), BigDecimal::add);
        assertThat(d.path("swarm_id").asString()).isEqualTo(builders);
      }
    }
    assertThat(tokens.keySet()).containsExactly("a", "b", "c");
    Map<String, List<String>> shown = taskSpend(pid);
    long sum = 0;
    BigDecimal usd = BigDecimal.ZERO;
    for (String t : List.of("a", "b", "c")) {
      assertThat(tokens.get(t)).isPositive();
      assertThat(cost.get(t)).isPositive();
      assertThat(shown.get(t)).containsExactly(String.valueOf(tokens.get(t)), usd4(cost.get(t)));
      sum += tokens.get(t);
      usd = usd.add(cost.get(t));
    }
    assertThat(texts("#spend-tasks tr.project-total[data-project='" + pid + "'] td"))
        .containsExactly("Ship it", "project total", String.valueOf(sum), usd4(usd));
    // the hostile project's tasks went to the mock team: its model has no price, never 0
    String hostile = waitUpTo(Duration.ofSeconds(20))
        .until(
            d -> (String) js("const p = Array.from(document.querySelectorAll('#projects .project'))"
                + ".find(p => p.querySelector('.p-title').textContent === '<b>proj</b>');"
                + "return p ? p.getAttribute('data-project') : null;"));
    waitUpTo(Duration.ofSeconds(20)).until(d -> !taskSpend(hostile).isEmpty());
    assertThat(taskSpend(hostile).values())
        .allSatisfy(v -> assertThat(v.get(1)).isEqualTo("unpriced"));
    assertThat(texts("#spend-tasks tr.project-total[data-project='" + hostile + "'] td"))
        .contains("<b>proj</b>", "unpriced");
    assertThat(js("return document.querySelectorAll('main b, main script, main img').length"))
        .isEqualTo(0L);
  }

  static String usd4(BigDecimal v) {
    return v.setScale(4, java.math.RoundingMode.HALF_UP).toPlainString();
  }

  /** The page's spend rows of a project: task id to [tokens, cost]. */
  static Map<String, List<String>> taskSpend(String pid) {
    Map<String, List<String>> out = new java.util.TreeMap<>();
    for (WebElement tr : driver.findElements(
        By.cssSelector("#spend-tasks tr.task-spend[data-project='" + pid + "']"))) {
      List<String> tds =
          tr.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
      out.put(tds.get(1), tds.subList(2, 4));
    }
    return out;
  }

  @Test
  @Order(7)
  void aBrokenTaskIsPreviewedAndResumedFromThePage() throws Exception {
    Path r = gitRepo("web-proj2");
    String pid = createProject(
        "Break and resume",
        r,
        jobId(builders),
        "[{\"id\":\"ok\",\"title\":\"Fine\",\"prompt\":\"Write ok.txt\"},"
            + "{\"id\":\"flaky\",\"title\":\"Flaky\",\"prompt\":\"FAIL-ONCE then write\"}]");
    awaitStatus(pid, "attention");
    assertThat(task(pid, "flaky")).contains("· failed");
    assertThat(task(pid, "ok")).contains("· completed");
    assertThat(task(pid, "integration")).contains("· pending");
    assertThat(gitOut(r, "branch", "--list", "project/" + pid + "/integration")).isEmpty();
    driver.findElement(By.cssSelector(projectCss(pid) + " button.preview")).click();
    waitUpTo(Duration.ofSeconds(20))
        .until(d -> !texts(projectCss(pid) + " .preview-out .change").isEmpty());
    assertThat(texts(projectCss(pid) + " .preview-out .change"))
        .containsExactly("flaky: failed → pending (retried_failed)");
    assertThat(texts(projectCss(pid) + " .preview-out .summary"))
        .singleElement()
        .satisfies(t -> assertThat(t).startsWith("1 task(s) change").doesNotContain("object"));
    // the preview changed nothing
    assertThat(status(pid)).isEqualTo("attention");
    assertThat(task(pid, "flaky")).contains("· failed");
    driver.findElement(By.cssSelector(projectCss(pid) + " button.resume")).click();
    awaitStatus(pid, "completed");
    waitUpTo(Duration.ofSeconds(10))
        .until(d -> texts(projectCss(pid) + " .preview-out .change").isEmpty());
    assertThat(task(pid, "flaky")).contains("· completed");
    assertThat(task(pid, "integration")).contains("· completed");
    String integration = "project/" + pid + "/integration";
    assertThat(gitOut(r, "ls-tree", "--name-only", integration)).contains("ok.txt", "flaky.txt");
    assertThat(gitOut(r, "log", "--format=%s", integration))
        .contains("Merge project/" + pid + "/flaky");
    // both attempts of the flaky task were turns of a worker, and both are counted as its spend
    assertThat(texts(swarmCss(builders) + " .ev.assistant"))
        .contains("failed flaky on purpose", "done flaky on project/" + pid + "/flaky");
    assertThat(taskSpend(pid)).containsKeys("ok", "flaky");
    String shot = System.getProperty("web.projects.screenshot");
    if (shot != null) {
      js("document.getElementById('projects-panel').scrollIntoView();");
      Files.write(Path.of(shot), ((TakesScreenshot) driver).getScreenshotAs(OutputType.BYTES));
    }
  }

  static final Set<String> RENDERED = Set.of(
      "inject_ack",
      "inject_failed",
      "turn_started",
      "assistant_delta",
      "assistant",
      "command_started",
      "command_completed",
      "filechange_started",
      "filechange_completed",
      "task_complete",
      "turn_complete",
      "agent_error",
      "exec_approval_required");

  /** Every event the console kept, read as a second client of its stream. */
  static List<JsonNode> events(long upTo) throws Exception {
    HttpURLConnection c =
        (HttpURLConnection) web.uri().resolve("/api/web/events?since=0").toURL().openConnection();
    c.setReadTimeout(20_000);
    List<JsonNode> out = new ArrayList<>();
    try (BufferedReader in =
        new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = in.readLine()) != null) {
        if (line.startsWith("data: ")) {
          JsonNode e = MAPPER.readTree(line.substring(6));
          out.add(e);
          if (e.path("seq").asLong() >= upTo) {
            break;
          }
        }
      }
    } finally {
      c.disconnect();
    }
    return out;
  }
}
