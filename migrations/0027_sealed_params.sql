-- Sealed integration params: an integration's secret params (a Slack webhook url, a Telegram bot
-- token, a PagerDuty routing key) are stored AES-GCM sealed per name in params_enc, never in clear
-- in url or template. url_template is the url with secret params as {{params.x}} placeholders,
-- filled at send time (NULL: url is sent as is); url then holds the masked url that is shown.
ALTER TABLE subscriptions ADD COLUMN params_enc TEXT;
ALTER TABLE subscriptions ADD COLUMN url_template TEXT;
