"""An administrator makes an account in the browser; the new person sets a password through the link and signs
in. Each staff page on the way is checked with axe."""
from playwright.sync_api import expect

from tests.conftest import PASSWORD

NEW_PASSWORD = "plum kettle violin harbour"


def sign_in(page, server, email, password=PASSWORD):
    page.goto(f"{server}/researcher/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button:text('Sign in')")


def test_an_admin_creates_an_account_whose_owner_sets_a_password_through_the_link_and_signs_in(
        server, browser, shoot, make_account, axe):
    admin = browser.new_page()
    sign_in(admin, server, make_account("admin@example.org", "admin"))
    admin.click("nav >> text=Staff")
    expect(admin.locator("h1")).to_have_text("Staff")
    assert axe(admin) == []
    shoot(admin, "staff-list")

    admin.click("button:text('Create the account')")  # nothing filled in: refused, with the reason at the field
    expect(admin.locator("#email-error")).to_contain_text("This field is required")
    assert axe(admin) == []
    admin.fill("#email", "bob@example.org")
    admin.check("#spi_access")
    admin.click("button:text('Create the account')")
    expect(admin.locator("h1")).to_have_text("Account created: bob@example.org")
    link = admin.locator("#link").input_value()
    assert link.startswith(f"{server}/researcher/password/")
    assert axe(admin) == []
    shoot(admin, "link-shown-once")

    admin.click("text=bob@example.org: rights and survey roles")
    admin.get_by_label("Patient wellbeing survey (demo) (wellbeing-demo)").select_option("exporter")
    admin.click("button:text('Save the survey roles')")
    expect(admin.locator(".flash")).to_contain_text("Saved the survey roles of bob@example.org")
    assert axe(admin) == []
    shoot(admin, "account")
    admin.click("text=Disable this account…")
    expect(admin.locator("h1")).to_have_text("Disable bob@example.org?")
    assert axe(admin) == []
    shoot(admin, "disable-asks-first")
    admin.click("text=Cancel")
    expect(admin.locator("#state")).to_have_text("active")

    newcomer = browser.new_page()  # a browser of their own: no cookie of the admin's
    newcomer.goto(link)
    expect(newcomer.locator("h1")).to_have_text("Set your password")
    expect(newcomer.locator("#password-help")).to_contain_text("At least 12 characters")
    assert axe(newcomer) == []
    newcomer.fill("#password", "too short")
    newcomer.fill("#repeat", "too short")
    newcomer.click("button:text('Set the password')")
    expect(newcomer.locator("#password-error")).to_contain_text("Use at least 12 characters")
    expect(newcomer.locator("#password")).to_have_attribute("aria-invalid", "true")
    assert axe(newcomer) == []
    shoot(newcomer, "set-password-refused")
    newcomer.fill("#password", NEW_PASSWORD)
    newcomer.fill("#repeat", NEW_PASSWORD)
    newcomer.click("button:text('Set the password')")
    expect(newcomer.locator(".flash")).to_contain_text("Your password is set")

    sign_in(newcomer, server, "bob@example.org", NEW_PASSWORD)
    expect(newcomer.locator("h1")).to_have_text("Surveys")
    expect(newcomer.locator("main")).to_contain_text("Patient wellbeing survey (demo)")
    expect(newcomer.locator("nav")).not_to_contain_text("Staff")
    newcomer.click("nav >> text=Password")
    expect(newcomer.locator("h1")).to_have_text("Change your password")
    assert axe(newcomer) == []
    shoot(newcomer, "change-password")

    newcomer.goto(link)  # used: it cannot be used again
    expect(newcomer.locator("h1")).to_have_text("This link cannot be used")
    assert axe(newcomer) == []
