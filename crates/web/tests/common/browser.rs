//! A cookie-keeping HTTP client that walks the web pages as a browser would (no redirects followed, CSRF read from forms).

use super::TestApp;
use reqwest::StatusCode;
use reqwest::redirect::Policy;

pub struct Browser {
    pub http: reqwest::Client,
    pub base: String,
    pub cookies: Vec<String>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Browser {
        Browser {
            http: reqwest::Client::builder()
                .redirect(Policy::none())
                .build()
                .unwrap(),
            base: app.base.clone(),
            cookies: Vec::new(),
        }
    }

    pub fn keep(&mut self, res: &reqwest::Response) {
        for v in res.headers().get_all("set-cookie") {
            let pair = v.to_str().unwrap().split(';').next().unwrap().to_string();
            let name = pair.split('=').next().unwrap().to_string();
            self.cookies.retain(|c| !c.starts_with(&format!("{name}=")));
            if !pair.ends_with('=') {
                self.cookies.push(pair);
            }
        }
    }

    pub async fn get(&mut self, path: &str) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let res = self
            .http
            .get(format!("{}{}", self.base, path))
            .header("cookie", self.cookies.join("; "))
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let (st, h) = (res.status(), res.headers().clone());
        (st, res.text().await.unwrap(), h)
    }

    pub async fn post(
        &mut self,
        path: &str,
        form: &[(&str, &str)],
    ) -> (StatusCode, String, reqwest::header::HeaderMap) {
        let res = self
            .http
            .post(format!("{}{}", self.base, path))
            .header("cookie", self.cookies.join("; "))
            .form(form)
            .send()
            .await
            .unwrap();
        self.keep(&res);
        let (st, h) = (res.status(), res.headers().clone());
        (st, res.text().await.unwrap(), h)
    }

    pub async fn csrf(&mut self, path: &str) -> String {
        let (_, body, _) = self.get(path).await;
        let at = body
            .find("name=\"_csrf\" value=\"")
            .expect("a form with a CSRF token")
            + 20;
        body[at..at + 64].to_string()
    }
}

/// A browser signed in under `login` with the password "correct horse" (set it first).
pub async fn signed_in(app: &TestApp, login: &str) -> Browser {
    let mut b = Browser::new(app);
    let (st, _, _) = b
        .post("/login", &[("login", login), ("password", "correct horse")])
        .await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{login} signs in");
    b
}
