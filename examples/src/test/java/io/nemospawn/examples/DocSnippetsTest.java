package io.nemospawn.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import javax.tools.Diagnostic;
import javax.tools.DiagnosticCollector;
import javax.tools.JavaCompiler;
import javax.tools.JavaFileObject;
import javax.tools.SimpleJavaFileObject;
import javax.tools.StandardJavaFileManager;
import javax.tools.ToolProvider;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Keeps the documentation's Java true: every {@code ```java} block of README.md and docs/*.md
 * compiles against the public API (this module's test class path), and the README's module table
 * names exactly the modules of the parent pom.
 *
 * <p>How a block is compiled. Leading {@code import} lines stay imports; on top of them every
 * block gets {@link #IMPORTS} (the everyday packages of the API, the JDK's {@code java.util},
 * {@code java.nio.file}, {@code java.time}, JUnit and AssertJ). A block that declares a class is a
 * compilation unit as it stands; any other block is a method body. Variables and helpers a block
 * uses without declaring them are named in an HTML comment right above the fence, which renders
 * as nothing:
 *
 * <pre>{@code
 * <!-- snippet given: Path dataDir; abstract double validate(double lr, int epoch); -->
 * }</pre>
 *
 * <p>The givens become members of the (abstract) class around the method. A block that is not
 * meant to compile (a fragment of a larger program) says so with {@code <!-- snippet excerpt -->}.
 * Failures are reported as {@code file:line: message}, the line being the Markdown file's.
 */
class DocSnippetsTest {
  /** Imports every compiled block gets. */
  static final List<String> IMPORTS = List.of(
      "import io.nemospawn.*;",
      "import io.nemospawn.agent.*;",
      "import io.nemospawn.artifact.*;",
      "import io.nemospawn.inbox.*;",
      "import io.nemospawn.launch.*;",
      "import io.nemospawn.plan.*;",
      "import io.nemospawn.task.*;",
      "import io.nemospawn.topology.*;",
      "import io.nemospawn.hpo.*;",
      "import io.nemospawn.junit.*;",
      "import java.nio.file.*;",
      "import java.time.*;",
      "import java.util.*;",
      "import org.junit.jupiter.api.*;",
      "import org.junit.jupiter.api.extension.*;",
      "import static org.assertj.core.api.Assertions.*;");

  static final Path ROOT = Path.of("..").toAbsolutePath().normalize();
  static final Pattern GIVEN = Pattern.compile("^<!--\\s*snippet\\s+given:(.*)-->\\s*$");
  static final Pattern EXCERPT = Pattern.compile("^<!--\\s*snippet\\s+excerpt\\s*-->\\s*$");
  static final Pattern DECLARES_TYPE =
      Pattern.compile("(?m)^(@\\w+(\\([^)]*\\))?\\s+)*(public\\s+)?(final\\s+)?"
          + "(class|interface|record|enum)\\s+\\w+");

  @TempDir
  Path out;

  /** One {@code ```java} block: where it is, what it says, what it is given. */
  record Snippet(Path file, int fenceLine, List<String> lines, String given, boolean excerpt) {
    String where(int lineInBlock) {
      return ROOT.relativize(file) + ":" + (fenceLine + lineInBlock);
    }
  }

  static List<Path> documents() throws IOException {
    List<Path> docs = new ArrayList<>();
    docs.add(ROOT.resolve("README.md"));
    try (Stream<Path> s = Files.list(ROOT.resolve("docs"))) {
      s.filter(p -> p.toString().endsWith(".md")).sorted().forEach(docs::add);
    }
    return docs;
  }

  static List<Snippet> snippets(Path file) throws IOException {
    List<String> md = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Snippet> found = new ArrayList<>();
    for (int i = 0; i < md.size(); i++) {
      if (!md.get(i).strip().equals("```java")) {
        continue;
      }
      String given = "";
      boolean excerpt = false;
      for (int j = i - 1; j >= 0 && md.get(j).strip().startsWith("<!--"); j--) {
        Matcher g = GIVEN.matcher(md.get(j).strip());
        if (g.matches()) {
          given = g.group(1).strip();
        }
        excerpt |= EXCERPT.matcher(md.get(j).strip()).matches();
      }
      int end = i + 1;
      while (end < md.size() && !md.get(end).strip().startsWith("```")) {
        end++;
      }
      found.add(new Snippet(file, i + 1, md.subList(i + 1, end), given, excerpt));
      i = end;
    }
    return found;
  }

  /** A generated source and, per generated line, the block's line it came from (0: ours). */
  record Source(String pkg, String text, List<Integer> origin) {}

  static Source source(Snippet s, int n) {
    String pkg = "snippet" + n;
    List<String> text = new ArrayList<>();
    List<Integer> origin = new ArrayList<>();
    text.add("package " + pkg + ";");
    origin.add(0);
    int first = 0;
    while (first < s.lines().size()
        && (s.lines().get(first).startsWith("import ") || s.lines().get(first).isBlank())) {
      text.add(s.lines().get(first));
      origin.add(first + 1);
      first++;
    }
    for (String imp : IMPORTS) {
      text.add(imp);
      origin.add(0);
    }
    List<String> body = s.lines().subList(first, s.lines().size());
    boolean unit = DECLARES_TYPE.matcher(String.join("\n", body)).find();
    if (!unit) {
      text.add("abstract class Snippet {");
      origin.add(0);
      if (!s.given().isEmpty()) {
        text.add("  " + s.given());
        origin.add(0);
      }
      text.add("  void run() throws Exception {");
      origin.add(0);
    }
    for (int i = 0; i < body.size(); i++) {
      text.add(body.get(i));
      origin.add(first + i + 1);
    }
    if (!unit) {
      text.add("  }");
      text.add("}");
      origin.add(0);
      origin.add(0);
    }
    return new Source(pkg, String.join("\n", text) + "\n", origin);
  }

  @Test
  void everyJavaBlockOfTheReadmeAndTheDocsCompiles() throws IOException {
    List<Snippet> all = new ArrayList<>();
    for (Path doc : documents()) {
      all.addAll(snippets(doc));
    }
    assertThat(all).as("java blocks found").hasSizeGreaterThanOrEqualTo(10);

    // One compilation per block: javac stops at a block's syntax error before it checks types,
    // so blocks compiled together would hide each other's errors.
    JavaCompiler javac = ToolProvider.getSystemJavaCompiler();
    List<String> options = List.of(
        "-classpath",
        System.getProperty("java.class.path"),
        "-d",
        out.toString(),
        "-proc:none",
        "-implicit:none",
        "-Xlint:none",
        "-encoding",
        "UTF-8");
    Set<String> failures = new LinkedHashSet<>();
    int n = 0;
    try (StandardJavaFileManager files =
        javac.getStandardFileManager(null, Locale.ROOT, StandardCharsets.UTF_8)) {
      for (Snippet s : all) {
        if (s.excerpt()) {
          continue;
        }
        Source src = source(s, n++);
        JavaFileObject unit =
            new SimpleJavaFileObject(
                URI.create("string:///" + src.pkg() + "/Snippet.java"),
                JavaFileObject.Kind.SOURCE) {
              @Override
              public CharSequence getCharContent(boolean ignoreEncodingErrors) {
                return src.text();
              }
            };
        DiagnosticCollector<JavaFileObject> diagnostics = new DiagnosticCollector<>();
        javac.getTask(null, files, diagnostics, options, null, List.of(unit)).call();
        for (Diagnostic<? extends JavaFileObject> d : diagnostics.getDiagnostics()) {
          if (d.getKind() != Diagnostic.Kind.ERROR) {
            continue;
          }
          int line = (int) d.getLineNumber();
          int inBlock = line >= 1 && line <= src.origin().size() ? src.origin().get(line - 1) : 0;
          failures.add(s.where(inBlock) + ": "
              + d.getMessage(Locale.ROOT)
                  .lines()
                  .map(String::strip)
                  .filter(l -> !l.startsWith("location:"))
                  .collect(Collectors.joining("; ")));
        }
      }
    }
    assertThat(failures)
        .as(
            "Java blocks that do not compile (mark a fragment with <!-- snippet excerpt -->,"
                + " declare what it uses with <!-- snippet given: ... -->):%n%s",
            String.join("\n", failures))
        .isEmpty();
  }

  @Test
  void theReadmeModuleTableListsExactlyTheModulesOfTheParentPom() throws IOException {
    String pom = Files.readString(ROOT.resolve("pom.xml"));
    Set<String> modules = Pattern.compile("<module>([^<]+)</module>")
        .matcher(pom)
        .results()
        .map(m -> m.group(1).strip())
        .collect(Collectors.toCollection(java.util.TreeSet::new));

    List<String> readme = Files.readAllLines(ROOT.resolve("README.md"));
    int heading = readme.indexOf("## Modules");
    assertThat(heading).as("README.md has a '## Modules' section").isNotNegative();
    Set<String> listed = new java.util.TreeSet<>();
    for (String line : readme.subList(heading + 1, readme.size())) {
      if (line.startsWith("## ")) {
        break;
      }
      if (!line.startsWith("|") || line.startsWith("|---") || line.startsWith("| module")) {
        continue;
      }
      String firstColumn = line.split("\\|")[1];
      Pattern.compile("`([^`]+)`")
          .matcher(firstColumn)
          .results()
          .forEach(m -> listed.add(m.group(1)));
    }

    assertThat(listed).isEqualTo(modules);
  }
}
