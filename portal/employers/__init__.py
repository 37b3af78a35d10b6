"""The Corporate Alliance: employers' membership levels and pledges, opportunities, nominations and outcomes."""
