package dev.ferry.cluster.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ferry.cluster.dashboard.DashboardLink;
import dev.ferry.host.api.HostAddress;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.openqa.selenium.By;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.WebDriverException;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;

/**
 * The dashboard in headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven by Selenium)
 * against a real manager and real hosts: without the token it shows nothing but how to get in; with it, every host
 * and VM, a migration the page itself started in the history, and a drain clicked on the page evacuates the host.
 * The screenshot must be a PNG of the window's size that shows the page's header and load bars; it is kept in
 * {@code target/dashboard.png}, and also written to the file {@code -Dferry.dashboard.screenshot=FILE} names (how
 * {@code docs/dashboard.png} is made).
 */
@Timeout(value = 5, unit = TimeUnit.MINUTES)
class DashboardBrowserTest {

    private static final long MIB = 1L << 20;
    private static final Path CHROMIUM = Path.of("/usr/bin/chromium");
    private static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
    private static final int WIDTH = 1280;
    private static final int HEIGHT = 1000;
    /** The header's background in dashboard.css. */
    private static final int HEADER_RGB = 0x14213d;

    @Test
    void showsTheClusterAndDrainsAHostFromTheBrowser() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver");
        try (TestCluster c = new TestCluster(3, 4, 512 * MIB)) {
            c.createOn("H1", "web1", "idle", "32M", "touch=1M sleep=0");
            c.createOn("H1", "web2", "munch", "32M", "wss=2M rate=2000");
            c.createOn("H2", "db", "idle", "48M", "touch=2M sleep=0");
            c.createOn("H3", "batch", "munch", "32M", "wss=1M rate=1000");
            c.awaitJson("/v1/vms", a -> a.path("vms").size() == 4, Duration.ofSeconds(20));
            assertThat(c.post("/v1/vms/db/migrate", Map.of("to", "H2")).path("code").asText())
                    .as("a VM cannot move to the host it runs on").isEqualTo("conflict");

            ChromeDriver browser = startBrowser();
            try {
                String base = "http://" + HostAddress.format(c.manager.address()) + "/";
                refusesWithoutTheRightToken(browser, base);

                browser.get(DashboardLink.of(c.manager.address(), TestCluster.TOKEN).toString());
                await("the page shows the hosts", () -> rows(browser, "hosts").size() == 3);
                assertThat(browser.getCurrentUrl()).as("the token leaves the address bar").doesNotContain("token");
                assertThat(text(browser, "#hosts")).contains("H1", "H2", "H3");
                Map<String, String> before = placement(c.get("/v1/vms"));
                assertThat(before).hasSize(4);
                await("the page shows every VM where it runs", () -> placementOnPage(browser).equals(before));

                click(browser, "#vms select[data-vm='batch'] option[value='H2']");
                Thread.sleep(2500);
                assertThat(((JavascriptExecutor) browser).executeScript(
                        "return document.querySelector(\"#vms select[data-vm='batch']\").value"))
                        .as("the chosen target survives the page's refreshes").isEqualTo("H2");
                click(browser, "button[data-action='migrate'][data-vm='batch']");
                await("the migration the page started ends in the history",
                        () -> text(browser, "#history").contains("batch") && text(browser, "#history").contains("done"));
                assertThat(text(browser, "#history tr[data-migration='m1'] .downtime")).endsWith(" ms");
                assertThat(text(browser, "#history tr[data-migration='m1'] .total")).endsWith(" ms");
                assertThat(text(browser, "#history tr[data-migration='m1']")).contains("batch", "operator", "H3",
                        "H2");
                await("batch runs on H2", () -> "H2".equals(placementOnPage(browser).get("batch")));

                click(browser, "button[data-action='drain'][data-host='H1']");
                await("H1 shows maintenance",
                        () -> text(browser, "#hosts tr[data-host='H1'] .maintenance").equals("maintenance"));
                c.awaitIdle(Duration.ofMinutes(3));
                await("the page shows H1 empty", () -> !placementOnPage(browser).containsValue("H1")
                        && placementOnPage(browser).size() == 4
                        && text(browser, "#hosts tr[data-host='H1'] .vm-count").equals("0"));
                Map<String, String> where = placement(c.get("/v1/vms"));
                assertThat(where).hasSize(4).doesNotContainValue("H1");
                assertThat(c.host("H1").vms().all()).isEmpty();
                await("the history lists the drain's migrations", () -> rows(browser, "history").size() == 3);
                assertThat(text(browser, "#history")).contains("web1", "web2");
                assertThat(text(browser, "#inflight-empty")).contains("No migration");
                assertThat(browser.findElement(By.cssSelector("#inflight th.rate")).isDisplayed())
                        .as("no rate column while the manager's view has no rate").isFalse();
                assertThat(text(browser, "#hosts tr[data-host='H1'] button")).isEqualTo("Undrain");

                checkScreenshot(browser);
            } finally {
                browser.quit();
            }
        }
    }

    /**
     * Live progress, rendered from canned API answers (real migrations on loopback end between two polls): a
     * running migration's phase, round, remaining pages, rate and projected downtime, a failed one's error, every
     * power state, and names that look like HTML shown as text.
     */
    @Test
    void showsLiveProgressAndTreatsNamesAsText() throws Exception {
        assumeTrue(Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER),
                "needs Debian's chromium and chromium-driver");
        String evil = "<img src=x onerror=document.title='pwned'>";
        Map<String, Object> answers = Map.of(
                "/v1/status", Map.ofEntries(Map.entry("hosts", 3), Map.entry("hosts_on", 1),
                        Map.entry("hosts_standby", 1), Map.entry("hosts_failed", 1), Map.entry("hosts_maintenance", 1),
                        Map.entry("vms", 1), Map.entry("migrations_running", 1), Map.entry("migrations_queued", 0),
                        Map.entry("power_watts", 250.0), Map.entry("energy_kwh", 0.5)),
                "/v1/hosts", Map.of("hosts", List.of(
                        host("H1", "on", false, 1.5), host("H2", "standby", false, 0), host("H3", "failed", true, 0))),
                "/v1/vms", Map.of("vms", List.of(Map.of("name", evil, "host", "H1", "state", "running",
                        "ram_bytes", 64 * MIB, "touched_bytes", 8 * MIB, "cpu_busy", 0.5, "dirty_pages_per_s", 900,
                        "migration", "m2"))),
                "/v1/migrations", Map.of("migrations", List.of(
                        Map.of("id", "m1", "vm", "old", "from", "H2", "to", "H1", "reason", "operator", "state",
                                "failed", "round", 0, "remaining_pages", 0, "error", "the target refused"),
                        Map.ofEntries(Map.entry("id", "m2"), Map.entry("vm", evil), Map.entry("from", "H1"),
                                Map.entry("to", "H2"), Map.entry("reason", "consolidation"),
                                Map.entry("state", "running"), Map.entry("phase", "precopy"), Map.entry("round", 3),
                                Map.entry("remaining_pages", 1234), Map.entry("bytes_sent", 50_000_000),
                                Map.entry("elapsed_ms", 2000), Map.entry("projected_downtime_ms", 12.5)))));
        try (CannedManager m = new CannedManager("ab".repeat(32), answers)) {
            ChromeDriver browser = startBrowser();
            try {
                browser.get(m.base() + "#token=" + "ab".repeat(32));
                await("the running migration shows", () -> rows(browser, "inflight").size() == 1);
                String running = "#inflight tr[data-migration='m2'] ";
                assertThat(text(browser, running + ".phase")).isEqualTo("precopy");
                assertThat(text(browser, running + ".round")).isEqualTo("3");
                assertThat(text(browser, running + ".remaining")).isEqualTo("1234");
                assertThat(text(browser, running + ".rate")).isEqualTo("200.0 Mbit/s");
                assertThat(text(browser, running + ".projected")).isEqualTo("12.5 ms");
                assertThat(text(browser, running)).contains(evil);
                assertThat(text(browser, "#history")).contains("failed", "the target refused");
                assertThat(text(browser, "#hosts tr[data-host='H2'] .power")).isEqualTo("standby");
                assertThat(text(browser, "#hosts tr[data-host='H3'] .power")).isEqualTo("failed");
                assertThat(text(browser, "#vms")).contains(evil);
                assertThat(browser.findElements(By.cssSelector("main img"))).as("names are text, not HTML").isEmpty();
                assertThat(browser.getTitle()).isEqualTo("Ferry cluster");
                assertThat(browser.findElement(By.cssSelector("button[data-action='migrate']")).isEnabled())
                        .as("a VM being moved cannot be moved again").isFalse();
                assertThat(m.unauthorized()).as("every API call carried the token").isZero();
            } finally {
                browser.quit();
            }
        }
    }

    private static Map<String, Object> host(String name, String power, boolean maintenance, double cpu) {
        return Map.of("name", name, "address", "127.0.0.1:1", "power", power, "maintenance", maintenance,
                "cores", 4, "memory_bytes", 512 * MIB, "cpu_used", cpu, "memory_used", 64 * MIB, "vms", 1,
                "last_report_ms", 100);
    }

    /** No token, then a wrong one: the page explains and shows no data. */
    private static void refusesWithoutTheRightToken(ChromeDriver browser, String base) throws Exception {
        browser.get(base);
        await("the page asks for the token", () -> browser.findElement(By.id("auth")).isDisplayed());
        assertThat(browser.findElement(By.id("data")).isDisplayed()).isFalse();
        assertThat(text(browser, "body")).contains("API token").doesNotContain("H1");

        browser.get(base + "#token=" + "0f".repeat(32));
        await("a wrong token is refused", () -> text(browser, "#auth").contains("refused"));
        assertThat(browser.findElement(By.id("data")).isDisplayed()).isFalse();
        assertThat(text(browser, "body")).doesNotContain("H1");
        ((JavascriptExecutor) browser).executeScript("sessionStorage.clear()");
    }

    private static ChromeDriver startBrowser() {
        ChromeOptions o = new ChromeOptions();
        o.setBinary(CHROMIUM.toFile());
        o.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--hide-scrollbars", "--force-device-scale-factor=1", "--window-size=" + WIDTH + "," + HEIGHT);
        ChromeDriverService service = new ChromeDriverService.Builder()
                .usingDriverExecutable(CHROMEDRIVER.toFile()).usingAnyFreePort().build();
        return new ChromeDriver(service, o);
    }

    private static void checkScreenshot(ChromeDriver browser) throws Exception {
        byte[] png = browser.getScreenshotAs(OutputType.BYTES);
        assertThat(png).as("a PNG").startsWith(0x89, 'P', 'N', 'G', '\r', '\n', 0x1a, '\n');
        Path out = Path.of("target", "dashboard.png");
        Files.createDirectories(out.getParent());
        Files.write(out, png);
        String copy = System.getProperty("ferry.dashboard.screenshot");
        if (copy != null && !copy.isBlank()) {
            Files.write(Path.of(copy), png);
        }
        BufferedImage img = ImageIO.read(new ByteArrayInputStream(png));
        long[] viewport = viewport(browser);
        assertThat(new int[] {img.getWidth(), img.getHeight()}).as("the window's size")
                .containsExactly((int) viewport[0], (int) viewport[1]);
        assertThat(img.getWidth()).isEqualTo(WIDTH);

        Set<Integer> colours = new HashSet<>();
        for (int y = 0; y < img.getHeight(); y += 3) {
            for (int x = 0; x < img.getWidth(); x += 3) {
                colours.add(img.getRGB(x, y) & 0xffffff);
            }
        }
        assertThat(colours.size()).as("not blank").isGreaterThan(50);
        assertThat(img.getRGB(3, 3) & 0xffffff).as("the header").isEqualTo(HEADER_RGB);

        @SuppressWarnings("unchecked")
        List<Object> fill = (List<Object>) ((JavascriptExecutor) browser).executeScript(
                "const f = document.querySelector(\"#hosts tr[data-host='H2'] .bar-fill\");"
                + "const r = f.getBoundingClientRect();"
                + "return [r.left, r.top, r.width, r.height, getComputedStyle(f).backgroundColor];");
        assertThat(((Number) fill.get(2)).doubleValue()).as("H2 carries load").isGreaterThan(3);
        int x = (int) Math.ceil(((Number) fill.get(0)).doubleValue()) + 1;
        int y = (int) (((Number) fill.get(1)).doubleValue() + ((Number) fill.get(3)).doubleValue() / 2);
        assertThat(img.getRGB(x, y) & 0xffffff).as("H2's CPU bar is in the screenshot")
                .isEqualTo(rgb((String) fill.get(4)));
    }

    private static long[] viewport(ChromeDriver browser) {
        @SuppressWarnings("unchecked")
        List<Long> v = (List<Long>) ((JavascriptExecutor) browser).executeScript(
                "return [window.innerWidth, window.innerHeight]");
        return new long[] {v.get(0), v.get(1)};
    }

    /** {@code rgb(r, g, b)} or {@code rgba(r, g, b, a)} as 0xRRGGBB. */
    private static int rgb(String css) {
        String[] p = css.replaceAll("[^0-9,]", "").split(",");
        return Integer.parseInt(p[0]) << 16 | Integer.parseInt(p[1]) << 8 | Integer.parseInt(p[2]);
    }

    /** Clicks the element at {@code css}, finding it again if the page re-rendered it meanwhile. */
    private static void click(ChromeDriver browser, String css) {
        for (int attempt = 0; ; attempt++) {
            try {
                browser.findElement(By.cssSelector(css)).click();
                return;
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    private static List<WebElement> rows(ChromeDriver browser, String table) {
        return browser.findElements(By.cssSelector("#" + table + " tbody tr"));
    }

    /** The text of the element at {@code css}, found again if the page re-rendered it meanwhile. */
    private static String text(ChromeDriver browser, String css) {
        for (int attempt = 0; ; attempt++) {
            try {
                return browser.findElement(By.cssSelector(css)).getText();
            } catch (StaleElementReferenceException e) {
                if (attempt == 5) {
                    throw e;
                }
            }
        }
    }

    /** VM -> host as the page shows them. */
    private static Map<String, String> placementOnPage(ChromeDriver browser) {
        Map<String, String> m = new HashMap<>();
        for (WebElement r : rows(browser, "vms")) {
            m.put(r.getAttribute("data-vm"), r.findElement(By.cssSelector(".host")).getText());
        }
        return m;
    }

    /** VM -> host as the API lists them. */
    private static Map<String, String> placement(JsonNode vms) {
        Map<String, String> m = new HashMap<>();
        for (JsonNode v : vms.path("vms")) {
            m.put(v.path("name").asText(), v.path("host").asText());
        }
        return m;
    }

    /** Polls until {@code ok} holds (the page re-renders every second, so an element may go stale meanwhile). */
    private static void await(String what, BooleanSupplier ok) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        WebDriverException last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (ok.getAsBoolean()) {
                    return;
                }
            } catch (WebDriverException e) {
                last = e;
            }
            Thread.sleep(200);
        }
        throw new AssertionError("timed out: " + what + (last == null ? "" : " (last error: " + last + ")"));
    }
}
