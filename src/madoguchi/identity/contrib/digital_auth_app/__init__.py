"""The Digital Agency's Digital Authentication App (デジタル認証アプリ) as a backend."""
