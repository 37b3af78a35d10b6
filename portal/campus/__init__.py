"""The Virtual Campus: supervised kiosk sessions for prisoners, learning content, the CV builder, the market
place and checked messages."""
