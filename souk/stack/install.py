"""Install what the stack needs and is missing: the jars (Maven) and MariaDB (apt-get).

A tool that cannot be found or installed raises PrerequisiteMissing with one line saying what
to install. Everything installed lands under SOUK_HOME (jars) or comes from Debian's packages.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import time
from pathlib import Path

from souk.logs import get_logger
from souk.settings import REPO_ROOT
from souk.stack.errors import PrerequisiteMissing, StartFailed
from souk.stack.settings import StackSettings

log = get_logger(component="install")

POM_DIR = REPO_ROOT / "stack"
JAR_MODULES = ("kafka", "hadoop", "flume", "spark-kafka")
# Sources compiled into a module's jar folder; a change re-runs Maven like a pom change does.
OWN_SOURCES = ("flume/monitoring",)
SBIN_DIRS = ("/usr/sbin", "/usr/local/sbin", "/sbin")


def java_binary(environ: dict[str, str] | None = None) -> str:
    """The `java` to run: $JAVA_HOME/bin/java, else the one on PATH."""
    environ = dict(os.environ) if environ is None else environ
    java_home = environ.get("JAVA_HOME")
    if java_home and Path(java_home, "bin", "java").is_file():
        return str(Path(java_home, "bin", "java"))
    found = shutil.which("java", path=environ.get("PATH"))
    if found is None:
        raise PrerequisiteMissing(
            "java not found: install a Java 17 runtime (Debian: apt-get install openjdk-17-jre-headless) or set JAVA_HOME"
        )
    return found


def find_program(name: str) -> str | None:
    """A program on PATH or in the sbin directories Debian puts servers in."""
    path = os.environ.get("PATH", "")
    return shutil.which(name, path=os.pathsep.join([path, *SBIN_DIRS]))


def _poms_digest() -> str:
    digest = hashlib.sha256()
    for pom in sorted(POM_DIR.glob("**/pom.xml")):
        digest.update(pom.read_bytes())
    for folder in OWN_SOURCES:
        for source in sorted((REPO_ROOT / folder).glob("*.java")):
            digest.update(source.read_bytes())
    return digest.hexdigest()


def jars_dir(settings: StackSettings, module: str) -> Path:
    return settings.path("jars", module)


def jars_ready(settings: StackSettings) -> bool:
    digest = _poms_digest()
    return all(_stamp(settings, m).is_file() and _stamp(settings, m).read_text() == digest for m in JAR_MODULES)


def _stamp(settings: StackSettings, module: str) -> Path:
    return jars_dir(settings, module) / ".souk-poms-sha256"


def ensure_jars(settings: StackSettings, *, attempts: int = 3) -> bool:
    """Fetch every module's jars unless the stamp says the poms haven't changed.

    Returns True when Maven ran. A changed pom empties the module's folder first, so an old
    version's jar never lingers on a classpath beside the new one.
    """
    if jars_ready(settings):
        return False
    mvn = find_program("mvn")
    if mvn is None:
        raise PrerequisiteMissing("mvn not found: install Maven 3 (Debian: apt-get install maven) to fetch the stack's jars")
    for module in JAR_MODULES:
        shutil.rmtree(jars_dir(settings, module), ignore_errors=True)
    install_log = settings.path("logs", "install.log")
    install_log.parent.mkdir(parents=True, exist_ok=True)
    argv = [
        mvn,
        "-B",
        "-q",
        "-f",
        str(POM_DIR / "pom.xml"),
        "package",
        "dependency:copy-dependencies",
        f"-Dsouk.jars={settings.path('jars')}",
    ]
    for attempt in range(1, attempts + 1):
        log.info("install.jars.fetching", attempt=attempt, modules=list(JAR_MODULES))
        started = time.monotonic()
        with install_log.open("ab") as out:
            result = subprocess.run(argv, stdout=out, stderr=subprocess.STDOUT, check=False)
        if result.returncode == 0:
            digest = _poms_digest()
            for module in JAR_MODULES:
                _stamp(settings, module).write_text(digest)
            log.info("install.jars.fetched", seconds=round(time.monotonic() - started, 1))
            return True
        log.warning("install.jars.failed", attempt=attempt, exit_code=result.returncode)
        time.sleep(2**attempt)
    raise StartFailed(f"mvn could not fetch the stack's jars (exit {result.returncode}); see {install_log}")


def ensure_apt_packages(packages: list[str], programs: list[str], what: str) -> list[str]:
    """Paths of `programs`, apt-get installing `packages` first when any is missing.

    Runs apt-get as root, or through passwordless sudo; otherwise one line says what to install.
    """
    found = [find_program(p) for p in programs]
    if all(found):
        return [p for p in found if p]
    apt = find_program("apt-get")
    hint = f"sudo apt-get install {' '.join(packages)}"
    if apt is None:
        raise PrerequisiteMissing(f"{programs[0]} not found and there is no apt-get: install {what} so that {programs[0]} is on PATH")
    prefix: list[str] = []
    if os.geteuid() != 0:
        sudo = find_program("sudo")
        if sudo is None or subprocess.run([sudo, "-n", "true"], capture_output=True, check=False).returncode:
            raise PrerequisiteMissing(f"{programs[0]} not found: install {what} ({hint})")
        prefix = [sudo, "-n"]
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = [*prefix, apt, "install", "-y", "-q", "--no-install-recommends", *packages]
    log.info("install.apt", packages=packages)
    if subprocess.run(install, env=env, capture_output=True, check=False).returncode != 0:
        # A fresh machine may have no package lists yet.
        subprocess.run([*prefix, apt, "update", "-q"], env=env, capture_output=True, check=False)
        result = subprocess.run(install, env=env, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            last = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
            raise PrerequisiteMissing(f"apt-get install {' '.join(packages)} failed: {last[0]}")
    found = [find_program(p) for p in programs]
    missing = [p for p, f in zip(programs, found, strict=True) if f is None]
    if missing:
        raise PrerequisiteMissing(f"{' '.join(packages)} installed but {missing[0]} was not found")
    return [p for p in found if p]


def ensure_mariadb() -> tuple[str, str]:
    """Paths of `mariadbd` and `mariadb-install-db`, installing Debian's mariadb-server if missing."""
    server, installer = ensure_apt_packages(
        ["mariadb-server", "mariadb-client"], ["mariadbd", "mariadb-install-db"], "a MariaDB 10.11 server"
    )
    return server, installer


def ensure_browser() -> tuple[str, str]:
    """Debian's Chromium and its WebDriver, for the dashboard's browser tests."""
    browser, driver = ensure_apt_packages(["chromium", "chromium-driver"], ["chromium", "chromedriver"], "Chromium and chromedriver")
    return browser, driver
