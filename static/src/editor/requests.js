// Form posts to the catalog's endpoints, with the page's CSRF token, and what their failures mean to a user.

export class RequestFailed extends Error {}

// Return the CSRF token of `form` (its csrfmiddlewaretoken field).
export function csrfToken(form) {
  return form.querySelector("input[name=csrfmiddlewaretoken]")?.value ?? "";
}

// POST `data` (FormData) to `url`; return the Response when its status is in `accepted`.
// Throws RequestFailed with a message for the user otherwise, or when the server cannot be reached.
// `htmx` asks for the HTML fragment an htmx request gets; `signal` can abort the request.
export async function post(url, data, { token, htmx = false, json = false, signal, accepted = [200] }) {
  const headers = { "X-CSRFToken": token };
  if (htmx) {
    headers["HX-Request"] = "true";
  }
  if (json) {
    headers.Accept = "application/json";
  }
  let response;
  try {
    response = await fetch(url, { method: "POST", body: data, headers, credentials: "same-origin", signal });
  } catch (error) {
    if (error.name === "AbortError") {
      throw error;
    }
    throw new RequestFailed("the server cannot be reached; your text is still here.");
  }
  if (response.redirected || response.headers.has("HX-Redirect")) {
    // Only the sign-in page redirects these endpoints; following it would lose the text.
    throw new RequestFailed("you are signed out: sign in again in another tab, then retry; your text is still here.");
  }
  if (accepted.includes(response.status)) {
    return response;
  }
  if (response.status === 403) {
    throw new RequestFailed("the server refused: your account may not edit templates, or the page is too old (copy your text, then reload).");
  }
  throw new RequestFailed(`the server answered ${response.status} ${response.statusText}.`);
}
