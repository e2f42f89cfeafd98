"""The Tavus v2 client, its models and its error ladder: the only place with httpx; imports nothing
else of bot/."""
