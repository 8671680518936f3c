//! The streamed `POST /response` as it is on the wire, read by a raw Runtime API written here byte by byte (not
//! through hyper): its headers, one chunk per write, the prelude and its 8 NUL bytes as two chunks, and a
//! failure after the first byte sent as real HTTP trailers, never as body text.

use std::collections::HashMap;
use std::time::Duration;

use base64::Engine as _;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{TcpListener, TcpStream};
use tokio::process::{Child, Command};

use crate::harness::workspace_binary;
use lambda_wasm_tests::STREAMING;

const LIMIT: Duration = Duration::from_secs(60);

/// One HTTP/1.1 request read raw: request line, headers (lower-case names), body chunks, trailers.
#[derive(Debug, Default)]
struct RawRequest {
    line: String,
    headers: HashMap<String, String>,
    chunks: Vec<Vec<u8>>,
    trailers: HashMap<String, String>,
}

async fn read_line(reader: &mut BufReader<TcpStream>) -> String {
    let mut line = String::new();
    reader.read_line(&mut line).await.expect("reading a line");
    line.trim_end_matches("\r\n").to_owned()
}

async fn read_fields(reader: &mut BufReader<TcpStream>) -> HashMap<String, String> {
    let mut fields = HashMap::new();
    loop {
        let line = read_line(reader).await;
        if line.is_empty() {
            return fields;
        }
        let (name, value) = line.split_once(':').expect("a header line");
        fields.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
}

/// Reads a request whose body is chunked, chunk by chunk, with its trailers.
async fn read_chunked(reader: &mut BufReader<TcpStream>) -> RawRequest {
    let line = read_line(reader).await;
    let headers = read_fields(reader).await;
    let mut chunks = Vec::new();
    loop {
        let size_line = read_line(reader).await;
        let size = usize::from_str_radix(size_line.split(';').next().unwrap_or("").trim(), 16)
            .expect("a chunk size");
        if size == 0 {
            break;
        }
        let mut chunk = vec![0; size + 2];
        reader.read_exact(&mut chunk).await.expect("a chunk");
        assert_eq!(&chunk[size..], b"\r\n", "a chunk ends with CRLF");
        chunk.truncate(size);
        chunks.push(chunk);
    }
    let trailers = read_fields(reader).await;
    RawRequest {
        line,
        headers,
        chunks,
        trailers,
    }
}

/// A Runtime API that hands out ONE event, reads the streamed answer raw, and answers 202.
async fn stream_one(event: Value) -> RawRequest {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let mut bootstrap = spawn_bootstrap(&address.to_string());
    let exchange = async {
        // The kept-alive connection: GET /next.
        let (next, _) = listener.accept().await.unwrap();
        let mut next = BufReader::new(next);
        let line = read_line(&mut next).await;
        assert!(
            line.starts_with("GET /2018-06-01/runtime/invocation/next "),
            "{line}"
        );
        read_fields(&mut next).await;
        let body = event.to_string();
        let deadline = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_millis()
            + 30_000;
        let response = format!(
            "HTTP/1.1 200 OK\r\nlambda-runtime-aws-request-id: req-1\r\nlambda-runtime-deadline-ms: {deadline}\r\n\
             lambda-runtime-invoked-function-arn: arn:aws:lambda:us-east-1:1:function:f\r\n\
             content-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
            body.len()
        );
        next.get_mut().write_all(response.as_bytes()).await.unwrap();
        // The streamed response arrives on a connection of its own.
        let (post, _) = listener.accept().await.unwrap();
        let mut post = BufReader::new(post);
        let request = read_chunked(&mut post).await;
        post.get_mut()
            .write_all(b"HTTP/1.1 202 Accepted\r\ncontent-length: 0\r\n\r\n")
            .await
            .unwrap();
        request
    };
    let request = tokio::time::timeout(LIMIT, exchange)
        .await
        .expect("the exchange hung");
    let _ = bootstrap.kill().await;
    request
}

fn spawn_bootstrap(runtime_api: &str) -> Child {
    let component = std::path::Path::new(STREAMING.path);
    Command::new(workspace_binary("bootstrap"))
        .env("AWS_LAMBDA_RUNTIME_API", runtime_api)
        .env("LAMBDA_TASK_ROOT", component.parent().unwrap())
        .env("_HANDLER", component.file_name().unwrap())
        .kill_on_drop(true)
        .spawn()
        .unwrap()
}

fn assert_streaming_headers(request: &RawRequest, content_type: &str) {
    assert_eq!(
        request.line,
        "POST /2018-06-01/runtime/invocation/req-1/response HTTP/1.1"
    );
    let header = |name: &str| request.headers.get(name).map(String::as_str);
    assert_eq!(header("lambda-runtime-function-response-mode"), Some("streaming"));
    assert_eq!(header("transfer-encoding"), Some("chunked"));
    assert_eq!(header("content-type"), Some(content_type));
    let declared = header("trailer").unwrap_or_default().to_ascii_lowercase();
    assert!(
        declared.contains("lambda-runtime-function-error-type"),
        "{declared}"
    );
    assert!(
        declared.contains("lambda-runtime-function-error-body"),
        "{declared}"
    );
}

#[tokio::test]
async fn each_write_is_a_chunk_and_success_has_no_error_trailers() {
    let request = stream_one(json!({"action": "chunks", "count": 3, "size": 5})).await;
    assert_streaming_headers(&request, "application/octet-stream");
    assert_eq!(
        request.chunks,
        vec![b"aaaaa".to_vec(), b"bbbbb".to_vec(), b"ccccc".to_vec()]
    );
    assert!(request.trailers.is_empty(), "{:?}", request.trailers);
}

#[tokio::test]
async fn failure_after_the_first_byte_is_sent_as_trailers() {
    let request = stream_one(json!({"action": "fail-after", "message": "half way"})).await;
    assert_streaming_headers(&request, "application/octet-stream");
    assert_eq!(
        request.chunks,
        vec![b"partial\n".to_vec()],
        "the error must not be in the body"
    );
    assert_eq!(
        request
            .trailers
            .get("lambda-runtime-function-error-type")
            .map(String::as_str),
        Some("Function.ValidationError")
    );
    let body = request
        .trailers
        .get("lambda-runtime-function-error-body")
        .expect("the error body trailer");
    let body: Value =
        serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(body).unwrap()).unwrap();
    assert_eq!(body["errorType"], "ValidationError");
    assert_eq!(body["errorMessage"], "half way");
}

#[tokio::test]
async fn panic_after_the_first_byte_is_sent_as_trailers() {
    let request = stream_one(json!({"action": "panic-after", "message": "mid-stream"})).await;
    assert_eq!(request.chunks, vec![b"partial\n".to_vec()]);
    assert_eq!(
        request
            .trailers
            .get("lambda-runtime-function-error-type")
            .map(String::as_str),
        Some("Runtime.Panic")
    );
}

#[tokio::test]
async fn http_prelude_and_its_separator_are_two_chunks() {
    let event = json!({"action": "http", "status": 201, "headers": {"x-one": "1"}, "cookies": ["a=b"], "body": "hello"});
    let request = stream_one(event).await;
    assert_streaming_headers(&request, "application/vnd.awslambda.http-integration-response");
    let prelude: Value =
        serde_json::from_slice(&request.chunks[0]).expect("the first chunk is the JSON prelude");
    assert_eq!(prelude["statusCode"], 201);
    assert_eq!(prelude["headers"]["x-one"], "1");
    assert_eq!(prelude["cookies"], json!(["a=b"]));
    assert_eq!(request.chunks[1], vec![0u8; 8]);
    assert_eq!(request.chunks[2..].concat(), b"hello");
}
