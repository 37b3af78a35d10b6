"""Site-wide pages: home, dashboard, health checks, accessibility statement, privacy and cookies."""
